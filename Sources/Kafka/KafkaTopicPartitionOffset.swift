/// A position in a partition: the offset of a message, or, when committed or stored, the offset
/// of the **next** message to consume (Kafka's convention: commit `lastProcessed + 1`).
public struct KafkaTopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number, from 0.
    public var partition: Int32
    /// The offset within the partition.
    public var offset: Int64

    /// Creates the value from its parts (see the properties).
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The topic and partition without the offset.
    public var topicPartition: KafkaTopicPartition {
        KafkaTopicPartition(topic: topic, partition: partition)
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }

    /// The offsets to store or commit after `messages` have been processed: per partition, the
    /// highest message offset plus one. Sorted by topic and partition.
    ///
    /// - Parameter messages: processed messages, in any order.
    /// - Returns: one entry per partition that appears in `messages`.
    public static func nextOffsets(after messages: some Sequence<KafkaConsumerMessage>) -> [Self] {
        var highest: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            let key = KafkaTopicPartition(topic: message.topic, partition: message.partition)
            highest[key] = max(highest[key] ?? Int64.min, message.offset)
        }
        return highest.keys.sorted().map { key in
            KafkaTopicPartitionOffset(
                topic: key.topic, partition: key.partition, offset: highest[key]! + 1)
        }
    }
}
