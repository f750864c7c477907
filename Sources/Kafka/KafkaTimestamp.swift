/// A record timestamp as Kafka stores it.
public struct KafkaTimestamp: Sendable, Hashable {
    /// Milliseconds since the Unix epoch (UTC).
    public var millisecondsSinceEpoch: Int64
    /// Who set the timestamp.
    public var kind: Kind

    /// Creates the value from its parts (see the properties).
    public init(millisecondsSinceEpoch: Int64, kind: Kind) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
        self.kind = kind
    }

    /// The timestamp type of the record (Kafka's `message.timestamp.type`).
    public enum Kind: Sendable, Hashable {
        /// Set by the producer when the record was created.
        case createTime
        /// Set by the broker when the record was appended.
        case logAppendTime
    }
}
