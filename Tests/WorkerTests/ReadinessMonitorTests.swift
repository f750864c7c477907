import Kafka
import Synchronization
import Testing
import Worker

extension WorkerBrokerTests {
    /// ``ReadinessMonitor`` against librdkafka's mock cluster: readiness follows a topic that
    /// disappears and brokers that go down after the start, and comes back when they do.
    @Suite struct ReadinessMonitorTests {
        @Test func laterOutagesTurnReadinessRedWithTheReasonAndBack() async throws {
            let fixture = try WorkerBrokerFixture()
            let admin = try KafkaAdminClient(
                configuration: KafkaAdminConfiguration(bootstrapServers: [fixture.cluster.bootstrapServers]),
                logger: WorkerTestSupport.logger)
            let log = LogRecorder()
            let health = WorkerHealth()
            let readyCount = Atomic<Int>(0)
            let check = ReadinessCheck(
                bootstrapServers: [fixture.cluster.bootstrapServers], groupID: "g", inputTopic: fixture.input,
                outputTopic: fixture.output, deadLetterTopic: fixture.deadLetters)
            let monitor = ReadinessMonitor(
                check: check, startupTimeout: .seconds(30),
                metadata: { timeout in
                    do throws(KafkaError) {
                        return .success(try await admin.metadata(topics: check.topicNames, timeout: timeout))
                    } catch {
                        return .failure(error)
                    }
                },
                hasJoinedGroup: { true }, isDraining: { false }, health: health, logger: log.logger(),
                becameReady: { readyCount.add(1, ordering: .relaxed) },
                checkInterval: .milliseconds(100), startingCheckInterval: .milliseconds(100))
            let running = Task { await monitor.run() }

            try await ClassificationWorkerReadinessTests.wait { health.readiness.ready }
            #expect(readyCount.load(ordering: .relaxed) == 1)

            try fixture.cluster.setTopicError(.unknownTopicOrPartition, topic: fixture.output)
            try await ClassificationWorkerReadinessTests.wait {
                health.readiness.reason == "output topic \"news.labels\" does not exist"
            }
            try fixture.cluster.setTopicError(.noError, topic: fixture.output)
            try await ClassificationWorkerReadinessTests.wait { health.readiness.ready }

            try fixture.cluster.setBrokerDown(1)
            try await ClassificationWorkerReadinessTests.wait { health.readiness.reason.hasPrefix("brokers unreachable (") }
            try fixture.cluster.setBrokerUp(1)
            try await ClassificationWorkerReadinessTests.wait { health.readiness.ready }

            #expect(readyCount.load(ordering: .relaxed) == 1, "READY=1 once, at the first ready")
            #expect(log.warnings.contains("not ready: output topic \"news.labels\" does not exist"), "\(log.warnings)")
            #expect(log.warnings.contains { $0.hasPrefix("not ready: brokers unreachable (") }, "\(log.warnings)")
            #expect(log.lines.filter { $0.message == "ready again" }.count == 2)
            running.cancel()
            #expect(await running.value == nil, "an outage after the start does not fail it")
        }

        @Test func drainingEndsTheChecksAndKeepsDraining() async throws {
            let health = WorkerHealth()
            let draining = Atomic<Bool>(false)
            let monitor = ReadinessMonitor(
                check: ReadinessCheckTests.check, startupTimeout: .seconds(30),
                metadata: { _ in .success(ReadinessCheckTests.allTopics) },
                hasJoinedGroup: { true }, isDraining: { draining.load(ordering: .relaxed) }, health: health,
                logger: LogRecorder().logger(), becameReady: {},
                checkInterval: .milliseconds(20), startingCheckInterval: .milliseconds(20))
            let running = Task { await monitor.run() }
            try await ClassificationWorkerReadinessTests.wait { health.readiness.ready }
            health.beginDraining()
            draining.store(true, ordering: .relaxed)
            #expect(await running.value == nil)
            #expect(health.readiness == (false, "draining"))
        }
    }
}
