import Classification
import Kafka
import WireFormat

/// The worker's topics (input, output, dead letters, and the review and shadow topics when set), and their creation for `--embedded-broker` and `--create-topics`
/// (the worker does not create topics in production, DESIGN.md "Messages").
public struct WorkerTopics: Sendable, Hashable {
    /// Input, output and dead-letter topic names, then the review and shadow topics' when set.
    public var names: [String]
    /// Partitions per topic when this worker creates them.
    public var partitions: Int32

    /// The default input topic (DESIGN.md "Messages").
    public static let defaultInput = DefaultTopics.input
    /// The default output topic.
    public static let defaultOutput = DefaultTopics.output
    /// The default dead-letter topic.
    public static let defaultDeadLetter = DefaultTopics.deadLetter
    /// The three defaults: input, output, dead letters.
    public static let defaultNames = DefaultTopics.all

    /// - Parameters:
    ///   - configuration: where the names come from.
    ///   - partitions: partitions per created topic (default 4, the mock cluster's auto-create
    ///     count).
    public init(_ configuration: WorkerConfiguration, partitions: Int32 = 4) {
        self.names = [configuration.inputTopic, configuration.outputTopic, configuration.deadLetterTopic]
            + (configuration.reviewTopic.map { [$0] } ?? []) + (configuration.shadowTopic.map { [$0] } ?? [])
        self.partitions = partitions
    }

    /// Creates the topics on librdkafka's mock cluster (which has no CreateTopics API).
    /// - Throws: ``KafkaError`` naming the topic; an existing topic is not an error.
    public func create(on cluster: KafkaMockCluster) throws(KafkaError) {
        for name in names {
            do {
                try cluster.createTopic(name, partitions: partitions)
            } catch let error where error.code == .topicAlreadyExists {
                continue
            }
        }
    }

    /// Creates the topics on a real cluster with the broker's default replication factor.
    /// - Returns: per topic, whether it was created or existed.
    /// - Throws: ``KafkaError`` naming the first topic that failed.
    public func create(
        with admin: KafkaAdminClient, timeout: Duration = .seconds(30)
    ) async throws(KafkaError) -> [KafkaTopicCreation] {
        try await admin.createTopics(
            names.map { KafkaNewTopic(name: $0, partitions: partitions, replicationFactor: -1) },
            timeout: timeout)
    }
}
