/// A Kafka protocol request type (the protocol's `ApiKey`), used to inject failures into a
/// ``KafkaMockCluster``. Values from the Kafka protocol guide (<https://kafka.apache.org/protocol#protocol_api_keys>).
public struct KafkaAPIKey: RawRepresentable, Sendable, Hashable {
    /// The protocol number.
    public var rawValue: Int16

    /// A request type by its protocol number.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// `Produce` (0).
    public static let produce = KafkaAPIKey(rawValue: 0)
    /// `Fetch` (1).
    public static let fetch = KafkaAPIKey(rawValue: 1)
    /// `ListOffsets` (2).
    public static let listOffsets = KafkaAPIKey(rawValue: 2)
    /// `Metadata` (3).
    public static let metadata = KafkaAPIKey(rawValue: 3)
    /// `OffsetCommit` (8).
    public static let offsetCommit = KafkaAPIKey(rawValue: 8)
    /// `OffsetFetch` (9).
    public static let offsetFetch = KafkaAPIKey(rawValue: 9)
    /// `FindCoordinator` (10).
    public static let findCoordinator = KafkaAPIKey(rawValue: 10)
    /// `JoinGroup` (11).
    public static let joinGroup = KafkaAPIKey(rawValue: 11)
    /// `Heartbeat` (12).
    public static let heartbeat = KafkaAPIKey(rawValue: 12)
    /// `LeaveGroup` (13).
    public static let leaveGroup = KafkaAPIKey(rawValue: 13)
    /// `SyncGroup` (14).
    public static let syncGroup = KafkaAPIKey(rawValue: 14)
    /// `InitProducerId` (22).
    public static let initProducerID = KafkaAPIKey(rawValue: 22)
    /// `AddPartitionsToTxn` (24).
    public static let addPartitionsToTransaction = KafkaAPIKey(rawValue: 24)
    /// `AddOffsetsToTxn` (25).
    public static let addOffsetsToTransaction = KafkaAPIKey(rawValue: 25)
    /// `EndTxn` (26).
    public static let endTransaction = KafkaAPIKey(rawValue: 26)
    /// `TxnOffsetCommit` (28).
    public static let transactionOffsetCommit = KafkaAPIKey(rawValue: 28)
}
