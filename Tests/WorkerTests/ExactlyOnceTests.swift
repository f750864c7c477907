import Foundation
import Kafka
import Testing
import Worker

/// Exactly-once against noida-db (`../shared/KAFKA-TESTING.md`: the mock cluster does not model
/// transactional offsets, `read_committed` or fencing; noida-db does). Runs only when
/// `NEWSCLF_TEST_KAFKA_BOOTSTRAP` names such a broker (`scripts/test` starts one).
extension WorkerBrokerTests {
    @Suite(.enabled(if: NoidaBroker.bootstrapServers != nil, "needs NEWSCLF_TEST_KAFKA_BOOTSTRAP"))
    struct ExactlyOnceTests {
        @Test func eachInputIsAnsweredOnceAndItsOffsetCommittedInTheTransaction() async throws {
            let broker = try await NoidaBroker()
            try await broker.produce(
                try (0..<30).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Rates held steady \($0)")) }
                    + [("bad", Array("{".utf8))])
            let collector = try broker.collector()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let models = try ModelStore(
                path: WorkerTestSupport.shippedModel.path, environment: [:], logger: WorkerTestSupport.logger)
            let worker = RunningWorker(
                ClassificationWorker(
                    configuration: try broker.configuration(groupID: groupID, transactionalID: "eos-\(UUID().uuidString)"),
                    models: models, notifier: SystemdNotifier(socketPath: nil), logger: WorkerTestSupport.logger))
            await collector.wait { $0.count >= 31 }
            try await worker.stop()
            try await Task.sleep(for: .milliseconds(500))
            await collector.stop()

            #expect(collector.messages.count == 31, "one output per input, no duplicate")
            #expect(Set(collector.messages.compactMap(\.sourcePosition)).count == 31)
            #expect(try await broker.committedOffsets(groupID: groupID) == broker.highWatermarks())
        }

        @Test func aWorkerFencedByANewerProducerWithItsTransactionalIDStopsWithAFatalError() async throws {
            let broker = try await NoidaBroker()
            let transactionalID = "eos-fence-\(UUID().uuidString)"
            try await broker.produce([("first", try WorkerTestSupport.inputJSON(id: "1", text: "Oil prices rise"))])
            let collector = try broker.collector()
            let models = try ModelStore(
                path: WorkerTestSupport.shippedModel.path, environment: [:], logger: WorkerTestSupport.logger)
            let worker = ClassificationWorker(
                configuration: try broker.configuration(
                    groupID: WorkerBrokerFixture.freshGroupID(), transactionalID: transactionalID),
                models: models, notifier: SystemdNotifier(socketPath: nil), logger: WorkerTestSupport.logger)
            let run = Task { try await worker.run() }
            #expect(await collector.wait { !$0.isEmpty })

            // A newer instance with the same transactional id fences this one.
            var configuration = KafkaProducerConfiguration(bootstrapServers: [broker.servers])
            configuration.transactionalID = transactionalID
            let newer = try KafkaProducer(configuration: configuration, logger: WorkerTestSupport.logger)
            try await newer.initTransactions(timeout: .seconds(30))
            try await broker.produce([("second", try WorkerTestSupport.inputJSON(id: "2", text: "Team wins"))])

            let outcome = await run.result
            await newer.close()
            await collector.stop()
            guard case .failure(let error) = outcome else {
                worker.requestStop()
                Issue.record("the fenced worker kept running")
                return
            }
            #expect((error as? KafkaError)?.isFatal == true, "\(error)")
            #expect(collector.messages.count == 1, "the fenced worker's transaction is not visible")
        }

        /// Disabled: on noida-db 0.2.3 the restarted worker's group join never completes after a
        /// member of the group was killed (the join and sync requests hang until the client times
        /// them out, also with `max.poll.interval.ms=10000` and a wait for the session to expire),
        /// so the test cannot reach its assertions. Kept for a broker that evicts dead members
        /// (`NEWSCLF_TEST_KAFKA_BOOTSTRAP` pointing at Apache Kafka).
        @Test(.disabled("noida-db 0.2.3 does not evict a killed group member; see the comment"))
        func aKilledWorkerIsFencedByItsRestartAndReadersSeeEachOutputOnce() async throws {
            let executable = try #require(WorkerExecutable.url)
            let broker = try await NoidaBroker()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let transactionalID = "eos-kill-\(UUID().uuidString)"
            try await broker.produce(
                try (0..<300).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Probe reaches orbit \($0)")) })
            let collector = try broker.collector()
            func launch() throws -> Process {
                let process = Process()
                process.executableURL = executable
                process.arguments = broker.arguments(groupID: groupID, transactionalID: transactionalID) + [
                    "--model", WorkerTestSupport.shippedModel.path, "--metrics-address", "",
                    "--batch-max-size", "8",
                ]
                process.environment = ["PATH": "/usr/bin:/bin"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = WorkerExecutable.logFile()
                try process.run()
                return process
            }
            let first = try launch()
            await collector.wait { !$0.isEmpty }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            // noida-db hangs a join while the killed member is still in the group: let its
            // session (6 s) expire first.
            try await Task.sleep(for: .seconds(8))
            let second = try launch()
            let complete = await collector.wait(timeout: .seconds(60)) {
                Set($0.compactMap(\.sourcePosition)).count >= 300
            }
            second.terminate()
            second.waitUntilExit()
            try await Task.sleep(for: .milliseconds(500))
            await collector.stop()

            #expect(complete)
            #expect(collector.messages.count == 300, "read_committed readers see each output once")
            #expect(second.terminationStatus == 0)
        }
    }
}

/// noida-db (or any real Kafka-protocol broker) named by `NEWSCLF_TEST_KAFKA_BOOTSTRAP`, with
/// three topics unique to one test.
struct NoidaBroker {
    static let bootstrapServers: String? = ProcessInfo.processInfo
        .environment["NEWSCLF_TEST_KAFKA_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }

    let servers: String
    let input: String
    let output: String
    let deadLetters: String

    init() async throws {
        servers = try #require(Self.bootstrapServers)
        let suffix = UUID().uuidString.prefix(8)
        input = "in-\(suffix)"
        output = "out-\(suffix)"
        deadLetters = "dlq-\(suffix)"
        let admin = try KafkaAdminClient(
            configuration: KafkaAdminConfiguration(bootstrapServers: [servers]), logger: WorkerTestSupport.logger)
        _ = try await admin.createTopics(
            [input, output, deadLetters].map { KafkaNewTopic(name: $0, partitions: 2, replicationFactor: 1) },
            timeout: .seconds(10))
    }

    /// The worker's flags for this broker (noida-db's minimum session timeout is 6 s; it keeps a
    /// killed member in the group until the rebalance timeout, `max.poll.interval.ms`, so that
    /// is shortened to 10 s).
    func arguments(groupID: String, transactionalID: String) -> [String] {
        [
            "--bootstrap-servers", servers, "--group-id", groupID, "--input-topic", input,
            "--output-topic", output, "--dead-letter-topic", deadLetters,
            "--processing-guarantee", "exactly_once", "--transactional-id", transactionalID,
            "--kafka", "session.timeout.ms=6000", "--kafka", "heartbeat.interval.ms=500",
            "--kafka", "max.poll.interval.ms=10000",
        ]
    }

    func configuration(groupID: String, transactionalID: String) throws -> WorkerConfiguration {
        try WorkerOptions.parse(
            arguments(groupID: groupID, transactionalID: transactionalID) + ["--metrics-address", ""]
        ).resolve(environment: [:], hostName: "test-host")
    }

    func produce(_ messages: [(key: String, value: [UInt8])]) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [servers]), logger: WorkerTestSupport.logger)
        let reports = await producer.send(
            messages.map { KafkaProducerMessage(topic: input, key: Array($0.key.utf8), value: $0.value) })
        await producer.close()
        let failures = reports.compactMap(\.error)
        #expect(failures.isEmpty, "inputs not delivered: \(failures)")
    }

    /// A `read_committed` reader of the output and dead-letter topics.
    func collector() throws -> OutputCollector {
        try OutputCollector(bootstrapServers: servers, topics: [output, deadLetters], sessionTimeout: .seconds(6))
    }

    func committedOffsets(groupID: String) async throws -> [KafkaTopicPartition: Int64] {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: [servers], groupID: groupID)
        configuration.sessionTimeout = .seconds(6)
        let consumer = try KafkaConsumer(configuration: configuration, logger: WorkerTestSupport.logger)
        let result = try await consumer.committedOffsets(
            for: [0, 1].map { KafkaTopicPartition(topic: input, partition: $0) }, timeout: .seconds(5))
        try await consumer.close()
        return result
    }

    func highWatermarks() async throws -> [KafkaTopicPartition: Int64] {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: [servers], groupID: WorkerBrokerFixture.freshGroupID())
        configuration.sessionTimeout = .seconds(6)
        let consumer = try KafkaConsumer(configuration: configuration, logger: WorkerTestSupport.logger)
        var result: [KafkaTopicPartition: Int64] = [:]
        for partition: Int32 in [0, 1] {
            result[KafkaTopicPartition(topic: input, partition: partition)] = try await consumer.watermarks(
                topic: input, partition: partition, timeout: .seconds(5)
            ).high
        }
        try await consumer.close()
        return result
    }
}
