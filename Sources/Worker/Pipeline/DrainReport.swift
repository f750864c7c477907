import Kafka

/// What a stop left behind: how many outputs were still unanswered, and which partitions had
/// answered inputs whose offsets could not be committed (the next owner redoes those). A clean
/// drain has neither; ``ClassificationWorker`` logs anything else as
/// `worker stopped; offsets not committed` at warning.
public struct DrainReport: Sendable, Equatable {
    /// Outputs without a delivery report when the drain ended.
    public var unanswered: Int
    /// Partitions with answered offsets above their committed offset, sorted.
    public var uncommittedPartitions: [KafkaTopicPartition]

    public init(unanswered: Int, uncommittedPartitions: [KafkaTopicPartition]) {
        self.unanswered = unanswered
        self.uncommittedPartitions = uncommittedPartitions
    }

    /// Whether every answered offset was committed and nothing was left unanswered.
    public var isClean: Bool { unanswered == 0 && uncommittedPartitions.isEmpty }
}
