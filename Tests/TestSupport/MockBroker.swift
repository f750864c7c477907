import Foundation
import Kafka
import Logging

/// One test's broker: librdkafka's in-process mock cluster (`../shared/KAFKA-TESTING.md`) with
/// the topics the test needs, and clients configured with the group timing KAFKA-TESTING.md
/// recommends for the mock (`session.timeout.ms=3000`, `heartbeat.interval.ms=300`).
///
/// Each test starts its own broker and uses fresh group ids; ``stop()`` it when done.
public struct MockBroker: Sendable {
    /// The cluster.
    public let cluster: KafkaMockCluster

    /// librdkafka's and the clients' logs, hidden unless `NEWSCLF_TEST_KAFKA_LOG` names a
    /// swift-log level (e.g. `debug`): fault-injection tests make librdkafka log expected errors.
    public static let logger: Logger = {
        var logger = Logger(label: "newsclf-tests")
        let level = ProcessInfo.processInfo.environment["NEWSCLF_TEST_KAFKA_LOG"]
            .flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }()

    /// Starts a mock cluster of `brokers` brokers and creates `topics`, each with `partitions`.
    /// - Throws: `KafkaError` when the cluster cannot start or a topic cannot be created.
    public init(brokers: Int = 1, topics: [String] = [], partitions: Int32 = 1) throws {
        cluster = try KafkaMockCluster(brokerCount: brokers, logger: Self.logger)
        for topic in topics {
            try cluster.createTopic(topic, partitions: partitions)
        }
    }

    /// The bootstrap servers, as client configurations take them.
    public var bootstrapServers: [String] { [cluster.bootstrapServers] }

    /// Stops the cluster.
    public func stop() { cluster.stop() }

    /// Creates a topic with a name unique to this run (`label` without punctuation, a suffix).
    /// - Throws: `KafkaError` when the topic cannot be created.
    public func makeTopic(partitions: Int32 = 1, _ label: String = #function) throws -> String {
        let name = "\(label.prefix { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))"
        try cluster.createTopic(name, partitions: partitions)
        return name
    }

    /// A consumer group id no other test uses.
    public static func freshGroupID(prefix: String = "group") -> String { "\(prefix)-\(UUID().uuidString)" }

    /// A consumer configuration for this cluster with the mock's group timing.
    public func consumerConfiguration(groupID: String = freshGroupID()) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: groupID)
        configuration.sessionTimeout = .milliseconds(3000)
        configuration.heartbeatInterval = .milliseconds(300)
        return configuration
    }

    /// A consumer of this cluster; `configure` adjusts its configuration first.
    /// - Throws: `KafkaError` when librdkafka refuses the configuration.
    public func makeConsumer(
        groupID: String = freshGroupID(), configure: (inout KafkaConsumerConfiguration) -> Void = { _ in }
    ) throws -> KafkaConsumer {
        var configuration = consumerConfiguration(groupID: groupID)
        configure(&configuration)
        return try KafkaConsumer(configuration: configuration, logger: Self.logger)
    }

    /// A producer configuration for this cluster, lingering 1 ms.
    public func producerConfiguration() -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.linger = .milliseconds(1)
        return configuration
    }

    /// A producer of this cluster; `configure` adjusts its configuration first.
    /// - Throws: `KafkaError` when librdkafka refuses the configuration.
    public func makeProducer(
        configure: (inout KafkaProducerConfiguration) -> Void = { _ in }
    ) throws -> KafkaProducer {
        var configuration = producerConfiguration()
        configure(&configuration)
        return try KafkaProducer(configuration: configuration, logger: Self.logger)
    }
}
