/// A record to send with a ``KafkaProducer``.
public struct KafkaProducerMessage: Sendable, Hashable {
    /// The destination topic.
    public var topic: String
    /// The destination partition; `nil` lets the partitioner choose (librdkafka's default
    /// `consistent_random`: by key hash, random for null keys).
    public var partition: Int32?
    /// The key bytes; `nil` for a null key.
    public var key: [UInt8]?
    /// The value bytes; `nil` for a null value.
    public var value: [UInt8]?
    /// The headers, in order.
    public var headers: [KafkaHeader]

    /// Creates the value from its parts (see the properties).
    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }
}
