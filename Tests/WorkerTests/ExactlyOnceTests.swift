import WireFormat
import TestSupport
import Classification
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

        /// The test hook aborts every third transaction after its outputs were written: the worker
        /// aborts, rewinds and redoes the batch. A `read_committed` reader sees each input once;
        /// a `read_uncommitted` reader also sees the aborted outputs (so the aborts did happen
        /// with outputs in them).
        @Test func abortedTransactionsAreRedoneAndReadersSeeEachOutputOnce() async throws {
            let broker = try await NoidaBroker()
            try await broker.produce(
                try (0..<40).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Markets open higher \($0)")) })
            let groupID = WorkerBrokerFixture.freshGroupID()
            let models = try ModelStore(
                path: WorkerTestSupport.shippedModel.path, environment: [:], logger: WorkerTestSupport.logger)
            var configuration = try broker.configuration(groupID: groupID, transactionalID: "eos-abort-\(UUID().uuidString)")
            configuration.batchMaxSize = 4
            let worker = RunningWorker(
                ClassificationWorker(
                    configuration: configuration, models: models, notifier: SystemdNotifier(socketPath: nil),
                    logger: WorkerTestSupport.logger, transactionTestHook: .abort(every: 3)))
            let committedAll = await broker.waitUntilCommitted(groupID: groupID, timeout: .seconds(60))
            try await worker.stop()

            #expect(committedAll, "every input's offset committed")
            let committed = try await broker.readOutputs(isolationLevel: .readCommitted, atLeast: 40)
            let uncommitted = try await broker.readOutputs(isolationLevel: .readUncommitted, atLeast: 41)
            #expect(committed.count == 40, "read_committed: one output per input")
            #expect(Set(committed.compactMap(\.sourcePosition)).count == 40)
            #expect(uncommitted.count > 40, "read_uncommitted also sees the aborted transactions' outputs")
        }

        /// Review copies go in the same transaction as their labels: with every third
        /// transaction aborted and redone, a `read_committed` reader sees each input's label once
        /// and each abstained input's review copy once.
        @Test func reviewCopiesAreCommittedWithTheirLabelsExactlyOnce() async throws {
            let broker = try await NoidaBroker()
            // Test-split items (the fixture's first 40), leaving out those whose top probability is
            // within 1e-3 of the threshold (another batching could move them across it).
            let classifier = try WorkerTestSupport.classifier()
            let policy = try AbstainPolicy(threshold: 0.8)
            let lines = try String(
                contentsOf: PackagePaths.inPackage("Tests/WorkerTests/Fixtures/abstain-off/input.jsonl"), encoding: .utf8
            ).split(separator: "\n").prefix(40).map { Array($0.utf8) }
            var values: [[UInt8]] = []
            var expectedAbstained = 0
            for value in lines {
                let prediction = try classifier.classify([classifier.encode(try NewsInput.decode(value, maxBytes: 1 << 20).get().text)])[0]
                guard abs(prediction.probabilities[prediction.labelID] - 0.8) > 1e-3 else { continue }
                values.append(value)
                if policy.abstains(prediction) { expectedAbstained += 1 }
            }
            try #require(expectedAbstained > 0 && expectedAbstained < values.count)
            try await broker.produce(values.enumerated().map { ("k\($0.offset)", $0.element) })
            let groupID = WorkerBrokerFixture.freshGroupID()
            let models = try ModelStore(
                path: WorkerTestSupport.shippedModel.path, environment: [:], logger: WorkerTestSupport.logger)
            var configuration = try broker.configuration(groupID: groupID, transactionalID: "eos-review-\(UUID().uuidString)")
            configuration.batchMaxSize = 4
            configuration.abstainPolicy = policy
            configuration.reviewTopic = broker.review
            let worker = RunningWorker(
                ClassificationWorker(
                    configuration: configuration, models: models, notifier: SystemdNotifier(socketPath: nil),
                    logger: WorkerTestSupport.logger, transactionTestHook: .abort(every: 3)))
            let committedAll = await broker.waitUntilCommitted(groupID: groupID, timeout: .seconds(60))
            try await worker.stop()

            #expect(committedAll, "every input's offset committed")
            let committed = try await broker.readOutputs(
                isolationLevel: .readCommitted, atLeast: values.count + expectedAbstained)
            let labels = committed.filter { $0.topic == broker.output }
            let reviews = committed.filter { $0.topic == broker.review }
            #expect(labels.count == values.count, "read_committed: one label per input")
            #expect(reviews.count == expectedAbstained, "read_committed: one review copy per abstained input")
            #expect(Set(reviews.compactMap(\.sourcePosition)).count == expectedAbstained)
            let abstainedLabels = labels.filter { $0.header(WorkerOutput.abstainedHeader) == "true" }
            #expect(Set(abstainedLabels.compactMap(\.sourcePosition)) == Set(reviews.compactMap(\.sourcePosition)))
        }

        /// A worker killed with SIGKILL inside a transaction (the test hook holds each one open
        /// 300 ms after its outputs were written) and restarted with the same `transactional.id`:
        /// the restart fences the dead instance and the broker aborts its open transaction. A
        /// `read_committed` reader sees each input once; a `read_uncommitted` reader also sees
        /// the aborted outputs (the kill did land inside a transaction that had written some).
        ///
        /// Both instances use the same `group.instance.id` (`--static-membership`: the
        /// transactional id, the same for both; the suite keeps the default eager assignment,
        /// since noida-db hangs on cooperative-sticky): noida-db 0.2.3
        /// never evicts a killed dynamic member, and a new member's join then hangs; a static
        /// member is replaced at once (Apache Kafka would also evict the dead member after its
        /// session timeout).
        @Test func aKilledWorkerIsFencedByItsRestartAndReadersSeeEachOutputOnce() async throws {
            let executable = try #require(WorkerExecutable.url)
            let broker = try await NoidaBroker()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let transactionalID = "eos-kill-\(UUID().uuidString)"
            try await broker.produce(
                try (0..<120).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Probe reaches orbit \($0)")) })
            let progress = try broker.collector(isolationLevel: .readUncommitted)
            func launch(environment: [String: String]) throws -> Process {
                let process = Process()
                process.executableURL = executable
                process.arguments = broker.arguments(groupID: groupID, transactionalID: transactionalID) + [
                    "--model", WorkerTestSupport.shippedModel.path, "--metrics-address", "",
                    "--batch-max-size", "8", "--static-membership",
                ]
                process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
                process.standardOutput = FileHandle.nullDevice
                process.standardError = WorkerExecutable.logFile()
                try process.run()
                return process
            }
            let first = try launch(environment: [TransactionTestHook.environmentVariable: "hold-ms:300"])
            // Two transactions' outputs written: the first committed, the second held open.
            let started = await progress.wait(timeout: .seconds(60)) { $0.count >= 16 }
            let writtenBeforeKill = progress.messages.count
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            await progress.stop()
            let second = try launch(environment: [:])
            let committedAll = await broker.waitUntilCommitted(groupID: groupID, timeout: .seconds(60))
            second.terminate()
            second.waitUntilExit()

            #expect(started)
            #expect(writtenBeforeKill < 120, "killed mid-stream")
            #expect(committedAll, "every input's offset committed")
            #expect(second.terminationStatus == 0)
            let committed = try await broker.readOutputs(isolationLevel: .readCommitted, atLeast: 120)
            let uncommitted = try await broker.readOutputs(isolationLevel: .readUncommitted, atLeast: 121)
            #expect(committed.count == 120, "read_committed readers see each output once")
            #expect(Set(committed.compactMap(\.sourcePosition)).count == 120)
            #expect(uncommitted.count > 120, "the killed instance's open transaction had outputs; they were aborted")
        }
    }
}

/// noida-db (or any real Kafka-protocol broker) named by `NEWSCLF_TEST_KAFKA_BOOTSTRAP`, with
/// three topics and a review topic unique to one test.
struct NoidaBroker {
    static let bootstrapServers: String? = ProcessInfo.processInfo
        .environment["NEWSCLF_TEST_KAFKA_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }

    let servers: String
    let input: String
    let output: String
    let deadLetters: String
    /// For `review_topic` (used only when a test configures it).
    let review: String

    init() async throws {
        servers = try #require(Self.bootstrapServers)
        let suffix = UUID().uuidString.prefix(8)
        input = "in-\(suffix)"
        output = "out-\(suffix)"
        deadLetters = "dlq-\(suffix)"
        review = "rev-\(suffix)"
        let admin = try KafkaAdminClient(
            configuration: KafkaAdminConfiguration(bootstrapServers: [servers]), logger: WorkerTestSupport.logger)
        _ = try await admin.createTopics(
            [input, output, deadLetters, review].map { KafkaNewTopic(name: $0, partitions: 2, replicationFactor: 1) },
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
            // noida-db 0.2.3 hangs on cooperative-sticky (KAFKA-TESTING.md).
            "--partition-assignment", "eager",
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

    /// A reader of the output, dead-letter and review topics (`read_committed` unless told).
    func collector(
        isolationLevel: KafkaConsumerConfiguration.IsolationLevel = .readCommitted
    ) throws -> OutputCollector {
        try OutputCollector(
            bootstrapServers: servers, topics: [output, deadLetters, review], sessionTimeout: .seconds(6),
            isolationLevel: isolationLevel)
    }

    /// Waits until `groupID` has committed the input topic's end on every partition.
    /// - Returns: `false` when `timeout` passed first.
    func waitUntilCommitted(groupID: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let committed = try? await committedOffsets(groupID: groupID),
                let ends = try? await highWatermarks(), committed == ends
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    /// Every record on the output and dead-letter topics, read from the start by a new reader
    /// once the workers are done: it waits for `atLeast` records, then 1 s more for any extra
    /// (at most 20 s in all). A new reader, because on noida-db 0.2.3 a `read_committed` reader
    /// that is reading while a transaction aborts stops advancing (a reader started afterwards
    /// sees the committed outputs and skips the aborted ones).
    func readOutputs(
        isolationLevel: KafkaConsumerConfiguration.IsolationLevel, atLeast count: Int
    ) async throws -> [KafkaConsumerMessage] {
        let reader = try collector(isolationLevel: isolationLevel)
        await reader.wait(timeout: .seconds(20)) { $0.count >= count }
        try await Task.sleep(for: .seconds(1))
        await reader.stop()
        return reader.messages
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
