import Classification
import Foundation
import Kafka
import Logging
import Testing
import TextPipeline
import Synchronization
import TestSupport
import Worker

/// Every test that talks to a broker is nested in this suite, so that they run one at a time:
/// they use librdkafka's in-process mock cluster (`KafkaMockCluster`, see
/// `../shared/KAFKA-TESTING.md`), whose group joins wait on timers (~3 s) that parallel runs on
/// two cores would only stretch. Each test starts its own cluster and uses fresh group ids.
@Suite(.serialized) enum WorkerBrokerTests {}

/// Paths and shared values for the worker tests.
enum WorkerTestSupport {
    /// The shipped checkpoint (`models/agnews-gru`).
    static let shippedModel = PackagePaths.shippedModel

    /// The AG News test split the project ships (`data/ag_news/test.csv.gz`).
    static let agNewsTest = PackagePaths.agNewsTest

    private static let loadedClassifier = Result { () throws(ClassifierError) in
        try TextClassifier(directory: shippedModel)
    }

    /// The shipped model, loaded once.
    static func classifier() throws -> TextClassifier { try loadedClassifier.get() }

    /// librdkafka's logs are hidden unless `NEWSCLF_TEST_KAFKA_LOG` names a swift-log level.
    static var logger: Logger { MockBroker.logger }

    /// AG News test items the shipped model answers alone with their true label and with
    /// probability above 0.9, so that their label cannot depend on the batch they share with
    /// others (the shipped model uses the notebook's padding semantics).
    static func confidentItems(count: Int) throws -> [NewsItem] {
        let items = try AGNewsReader.read(contentsOf: agNewsTest)
        let classifier = try classifier()
        var chosen: [NewsItem] = []
        for item in items.prefix(400) where chosen.count < count {
            let prediction = try classifier.classify([classifier.encode(item.text)])[0]
            if prediction.labelID == item.label && prediction.probabilities[item.label] > 0.9 {
                chosen.append(item)
            }
        }
        return chosen
    }

    /// The input-topic JSON for an item.
    static func inputJSON(id: String, text: String) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: ["id": id, "text": text], options: [.sortedKeys]))
    }
}

/// One test's broker: a mock cluster with the worker's three topics and a review topic, and helpers to produce
/// inputs, run workers and read outputs.
struct WorkerBrokerFixture {
    let cluster: KafkaMockCluster
    let input = "news.raw"
    let output = "news.labels"
    let deadLetters = "news.raw.dlq"
    /// For `review_topic` (the worker uses it only when configured so).
    let review = "news.review"
    /// For `shadow_topic` (likewise).
    let shadow = "news.shadow"

    init(partitions: Int32 = 2) throws {
        cluster = try MockBroker(topics: [input, output, deadLetters, review, shadow], partitions: partitions).cluster
    }

    static func freshGroupID() -> String { MockBroker.freshGroupID(prefix: "worker") }

    /// A worker configuration for this cluster with the mock's recommended consumer settings
    /// (``KafkaMockCluster/recommendedConsumerProperties``) and a 200 ms auto-commit; `kafka`
    /// overrides those librdkafka properties or adds others.
    func configuration(
        groupID: String, extra: [String: String] = [:], kafka: [String: String] = [:]
    ) throws -> WorkerConfiguration {
        var flags = [
            "bootstrap_servers": cluster.bootstrapServers, "group_id": groupID,
            "metrics_address": "", "drain_timeout_ms": "10000",
        ]
        flags.merge(extra) { _, new in new }
        return try WorkerConfiguration.resolve(
            flags: flags,
            kafkaFlags: KafkaMockCluster.recommendedConsumerProperties
                .merging(["auto.commit.interval.ms": "200"]) { _, new in new }
                .merging(kafka) { _, new in new },
            environment: [:], hostName: "test-host")
    }

    /// A worker serving the shipped model (with `shadowModels`, if given, as its shadow).
    func makeWorker(
        _ configuration: WorkerConfiguration, metrics: WorkerMetrics = WorkerMetrics(),
        shadowModels: ShadowModelStore? = nil, shadowQueueCapacity: Int = 4
    ) throws -> ClassificationWorker {
        let models = try ModelStore(
            path: WorkerTestSupport.shippedModel.path, environment: [:], metrics: metrics,
            logger: WorkerTestSupport.logger)
        return ClassificationWorker(
            configuration: configuration, models: models, metrics: metrics,
            notifier: SystemdNotifier(socketPath: nil), logger: WorkerTestSupport.logger,
            shadowModels: shadowModels, shadowQueueCapacity: shadowQueueCapacity)
    }

    /// Produces `messages` to the input topic and waits for their acknowledgements.
    func produce(_ messages: [(key: String, value: [UInt8])]) async throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: configuration, logger: WorkerTestSupport.logger)
        let reports = await producer.send(
            messages.map { KafkaProducerMessage(topic: input, key: Array($0.key.utf8), value: $0.value) })
        await producer.close()
        let failures = reports.compactMap(\.error)
        #expect(failures.isEmpty, "inputs not delivered: \(failures)")
    }

    /// Reads the output, dead-letter, review and shadow topics until `count` records arrived or `timeout` passed.
    func readOutputs(count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaConsumerMessage] {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: [cluster.bootstrapServers], groupID: Self.freshGroupID())
        configuration.sessionTimeout = .milliseconds(3000)
        configuration.heartbeatInterval = .milliseconds(300)
        let consumer = try KafkaConsumer(configuration: configuration, logger: WorkerTestSupport.logger)
        try consumer.subscribe(topics: [output, deadLetters, review, shadow])
        var result: [KafkaConsumerMessage] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while result.count < count && clock.now < deadline {
            result += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)).messages
        }
        // A little longer, to see duplicates or extra records that should not be there.
        result += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(300)).messages
        try await consumer.close()
        return result
    }

    /// Committed offsets of the input partitions for `groupID`.
    func committedOffsets(groupID: String, partitions: Int32 = 2) async throws -> [KafkaTopicPartition: Int64] {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: [cluster.bootstrapServers], groupID: groupID)
        configuration.sessionTimeout = .milliseconds(3000)
        let consumer = try KafkaConsumer(configuration: configuration, logger: WorkerTestSupport.logger)
        defer { Task { try? await consumer.close() } }
        return try await consumer.committedOffsets(
            for: (0..<partitions).map { KafkaTopicPartition(topic: input, partition: $0) },
            timeout: .seconds(5))
    }

    /// The input topic's high watermarks.
    func highWatermarks(partitions: Int32 = 2) async throws -> [KafkaTopicPartition: Int64] {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: [cluster.bootstrapServers], groupID: Self.freshGroupID())
        configuration.sessionTimeout = .milliseconds(3000)
        let consumer = try KafkaConsumer(configuration: configuration, logger: WorkerTestSupport.logger)
        var result: [KafkaTopicPartition: Int64] = [:]
        for partition in 0..<partitions {
            result[KafkaTopicPartition(topic: input, partition: partition)] = try await consumer.watermarks(
                topic: input, partition: partition, timeout: .seconds(5)
            ).high
        }
        try await consumer.close()
        return result
    }
}

/// A worker running in a task, stopped and awaited by ``stop()``.
struct RunningWorker {
    let worker: ClassificationWorker
    let task: Task<Void, any Error>

    init(_ worker: ClassificationWorker) {
        self.worker = worker
        self.task = Task { try await worker.run() }
    }

    /// Requests the drain and waits for ``ClassificationWorker/run()`` to return.
    func stop() async throws {
        worker.requestStop()
        try await task.value
    }
}

extension KafkaConsumerMessage {
    /// The value of the first header named `name`, as UTF-8.
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.stringValue
    }

    /// The input position named by the `newsclf.source.*` headers.
    var sourcePosition: String? {
        guard let topic = header(WorkerOutput.sourceTopicHeader),
            let partition = header(WorkerOutput.sourcePartitionHeader),
            let offset = header(WorkerOutput.sourceOffsetHeader)
        else { return nil }
        return "\(topic)[\(partition)]@\(offset)"
    }
}

/// Reads the output and dead-letter topics in the background (one consumer-group join) while a
/// test starts, kills and restarts workers.
final class OutputCollector: Sendable {
    private let consumer: KafkaConsumer
    private let received = Mutex<[KafkaConsumerMessage]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(
        bootstrapServers: String, topics: [String], sessionTimeout: Duration = .milliseconds(3000),
        isolationLevel: KafkaConsumerConfiguration.IsolationLevel = .readCommitted
    ) throws {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: [bootstrapServers], groupID: WorkerBrokerFixture.freshGroupID())
        configuration.sessionTimeout = sessionTimeout
        configuration.isolationLevel = isolationLevel
        configuration.heartbeatInterval = .milliseconds(300)
        consumer = try KafkaConsumer(configuration: configuration, logger: WorkerTestSupport.logger)
        try consumer.subscribe(topics: topics)
        let poller = Task { [self] in
            while !Task.isCancelled {
                guard let batch = try? await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
                else { return }
                received.withLock { $0 += batch.messages }
            }
        }
        task.withLock { $0 = poller }
    }

    /// What arrived so far.
    var messages: [KafkaConsumerMessage] { received.withLock { $0 } }

    /// Waits until `condition` holds for what arrived, or `timeout` passed.
    @discardableResult
    func wait(
        timeout: Duration = .seconds(30), until condition: ([KafkaConsumerMessage]) -> Bool
    ) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if condition(messages) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(messages)
    }

    func stop() async {
        let task = self.task.withLock { $0 }
        task?.cancel()
        await task?.value
        try? await consumer.close()
    }
}
