/// A record read by a ``KafkaConsumer``: a copy of the bytes, independent of librdkafka.
public struct KafkaConsumerMessage: Sendable, Hashable {
    /// The topic it was read from.
    public var topic: String
    /// The partition it was read from.
    public var partition: Int32
    /// Its offset within the partition.
    public var offset: Int64
    /// The key bytes, `nil` for a null key.
    public var key: [UInt8]?
    /// The value bytes, `nil` for a null value (a tombstone).
    public var value: [UInt8]?
    /// The headers in record order.
    public var headers: [KafkaHeader]
    /// The record timestamp, `nil` when the record has none.
    public var timestamp: KafkaTimestamp?

    /// Creates the value from its parts (see the properties).
    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestamp: KafkaTimestamp? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// The topic and partition.
    public var topicPartition: KafkaTopicPartition {
        KafkaTopicPartition(topic: topic, partition: partition)
    }

    /// The position to store or commit once this message is processed (`offset + 1`).
    public var nextOffset: KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: offset + 1)
    }
}
