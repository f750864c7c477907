import Kafka
import Logging

/// How the worker shut down: its exit after SIGTERM, and whether its consumer group committed
/// every input (committed offset = end offset on every input partition).
public struct ShutdownReport: Sendable {
    /// One input partition's end offset and the worker group's committed offset.
    public struct PartitionOffsets: Sendable, Equatable {
        public var partition: Int32
        /// The high watermark (the next offset to be written).
        public var end: Int64
        /// The group's committed offset, `nil` when none.
        public var committed: Int64?

        public init(partition: Int32, end: Int64, committed: Int64?) {
            self.partition = partition
            self.end = end
            self.committed = committed
        }
    }

    /// The worker's exit.
    public var exit: WorkerProcess.Exit
    /// The input topic.
    public var inputTopic: String
    /// Per input partition.
    public var offsets: [PartitionOffsets]

    public init(exit: WorkerProcess.Exit, inputTopic: String, offsets: [PartitionOffsets]) {
        self.exit = exit
        self.inputTopic = inputTopic
        self.offsets = offsets
    }

    /// Whether every input partition's committed offset equals its end offset.
    public var offsetsCommitted: Bool { !offsets.isEmpty && offsets.allSatisfy { $0.committed == $0.end } }

    /// A clean drain (exit 0 after SIGTERM) with every offset committed.
    public var isClean: Bool { exit.isClean && offsetsCommitted }

    /// Reads the committed offsets of `groupID` and the end offsets of `topic`'s partitions.
    ///
    /// - Parameters:
    ///   - configuration: connection settings; its group id is replaced by `groupID` (the
    ///     consumer does not join the group, it only asks its coordinator).
    /// - Throws: ``KafkaError`` when the cluster does not answer.
    public static func offsets(
        topic: String, partitions: [Int32], groupID: String, configuration: KafkaConsumerConfiguration,
        logger: Logger
    ) async throws(KafkaError) -> [PartitionOffsets] {
        var configuration = configuration
        configuration.groupID = groupID
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let topicPartitions = partitions.map { KafkaTopicPartition(topic: topic, partition: $0) }
        let committed = try await consumer.committedOffsets(for: topicPartitions, timeout: .seconds(10))
        var result: [PartitionOffsets] = []
        for partition in topicPartitions {
            let end = try await consumer.watermarks(topic: topic, partition: partition.partition, timeout: .seconds(10)).high
            result.append(PartitionOffsets(partition: partition.partition, end: end, committed: committed[partition]))
        }
        try? await consumer.close()
        return result
    }
}
