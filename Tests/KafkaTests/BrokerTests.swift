import Foundation
import Kafka
import Logging
import Testing

/// Every test that talks to a broker is nested in this suite, so that they run one at a time:
/// they use librdkafka's in-process mock cluster (`KafkaMockCluster`, see
/// `../shared/KAFKA-TESTING.md`), whose group joins wait on timers (~3 s) that parallel runs on
/// two cores would only stretch. Each test starts its own cluster and uses a fresh group id.
@Suite(.serialized) enum BrokerTests {}

/// Builds clients for one test against its own mock cluster, with the group timing that
/// KAFKA-TESTING.md recommends for the mock (`session.timeout.ms=3000`,
/// `heartbeat.interval.ms=300`).
struct MockClusterFixture {
    let cluster: KafkaMockCluster

    /// librdkafka's logs are hidden unless `NEWSCLF_TEST_KAFKA_LOG` names a swift-log level
    /// (e.g. `debug`): the fault-injection tests make librdkafka log expected errors.
    static let logger: Logger = {
        var logger = Logger(label: "kafka-tests")
        let level = ProcessInfo.processInfo.environment["NEWSCLF_TEST_KAFKA_LOG"]
            .flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }()

    init(brokers: Int = 1) throws {
        cluster = try KafkaMockCluster(brokerCount: brokers, logger: Self.logger)
    }

    var bootstrapServers: [String] { [cluster.bootstrapServers] }

    /// A topic with a name unique to this run.
    func makeTopic(partitions: Int32 = 1, _ label: String = #function) throws -> String {
        let name = "\(label.prefix { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))"
        try cluster.createTopic(name, partitions: partitions)
        return name
    }

    static func freshGroupID() -> String { "group-\(UUID().uuidString)" }

    func consumerConfiguration(groupID: String = freshGroupID()) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: bootstrapServers, groupID: groupID)
        configuration.sessionTimeout = .milliseconds(3000)
        configuration.heartbeatInterval = .milliseconds(300)
        return configuration
    }

    func makeConsumer(
        groupID: String = freshGroupID(), configure: (inout KafkaConsumerConfiguration) -> Void = { _ in }
    ) throws -> KafkaConsumer {
        var configuration = consumerConfiguration(groupID: groupID)
        configure(&configuration)
        return try KafkaConsumer(configuration: configuration, logger: Self.logger)
    }

    func makeProducer(
        configure: (inout KafkaProducerConfiguration) -> Void = { _ in }
    ) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.linger = .milliseconds(1)
        configure(&configuration)
        return try KafkaProducer(configuration: configuration, logger: Self.logger)
    }

    /// Messages `0..<count` for `topic`: key `key-i`, value `value-i`, headers `index=i` and a
    /// null-valued `empty`.
    static func numberedMessages(
        topic: String, count: Int, partition: Int32? = nil, from start: Int = 0
    ) -> [KafkaProducerMessage] {
        (start..<(start + count)).map { index in
            KafkaProducerMessage(
                topic: topic, partition: partition, key: Array("key-\(index)".utf8),
                value: Array("value-\(index)".utf8),
                headers: [
                    KafkaHeader(name: "index", string: String(index)),
                    KafkaHeader(name: "empty", value: nil),
                ])
        }
    }

    /// Sends `messages` and requires every report to be a success.
    func sendAll(_ messages: [KafkaProducerMessage]) async throws -> [KafkaDeliveryReport] {
        let producer = try makeProducer()
        let reports = await producer.send(messages)
        await producer.close()
        for report in reports { _ = try report.result.get() }
        return reports
    }
}

extension KafkaConsumer {
    /// Polls until `count` messages arrived or `deadline` passed; returns the messages and all
    /// events seen.
    func collect(
        _ count: Int, within deadline: Duration = .seconds(20)
    ) async throws -> (messages: [KafkaConsumerMessage], events: [KafkaConsumerEvent]) {
        var messages: [KafkaConsumerMessage] = []
        var events: [KafkaConsumerEvent] = []
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while messages.count < count, clock.now < end {
            let batch = try await poll(maxMessages: count - messages.count, timeout: .milliseconds(200))
            messages += batch.messages
            events += batch.events
        }
        return (messages, events)
    }

    /// Polls until an event matching `predicate` arrives or `deadline` passed; returns the
    /// messages and events seen up to and including it.
    func pollUntil(
        within deadline: Duration = .seconds(20), _ predicate: (KafkaConsumerEvent) -> Bool
    ) async throws -> (messages: [KafkaConsumerMessage], events: [KafkaConsumerEvent], found: Bool) {
        var messages: [KafkaConsumerMessage] = []
        var events: [KafkaConsumerEvent] = []
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while clock.now < end {
            let batch = try await poll(maxMessages: 100, timeout: .milliseconds(200))
            messages += batch.messages
            events += batch.events
            if batch.events.contains(where: predicate) { return (messages, events, true) }
        }
        return (messages, events, false)
    }
}

extension KafkaConsumerEvent {
    var assignedPartitions: [KafkaTopicPartition]? {
        if case .partitionsAssigned(let partitions) = self { return partitions }
        return nil
    }

    var revokedPartitions: [KafkaTopicPartition]? {
        if case .partitionsRevoked(let partitions, _) = self { return partitions }
        return nil
    }
}

extension KafkaConsumerMessage {
    var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}
