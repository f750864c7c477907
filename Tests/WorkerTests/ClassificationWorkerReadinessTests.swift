import Foundation
import Kafka
import Testing
import Worker

extension WorkerBrokerTests {
    /// Readiness of the running worker against librdkafka's mock cluster (issue 13 item 3): a
    /// missing topic and unreachable brokers are 503 with the reason and a warning; a start that
    /// outlasts `startup_timeout_ms` fails ``ClassificationWorker/run()``.
    @Suite struct ClassificationWorkerReadinessTests {
        func makeWorker(
            _ fixture: WorkerBrokerFixture, groupID: String = WorkerBrokerFixture.freshGroupID(),
            extra: [String: String], kafka: [String: String] = [:], log: LogRecorder
        ) throws -> ClassificationWorker {
            let configuration = try fixture.configuration(groupID: groupID, extra: extra, kafka: kafka)
            let models = try ModelStore(path: WorkerTestSupport.shippedModel.path, environment: [:], logger: log.logger())
            return ClassificationWorker(
                configuration: configuration, models: models, notifier: SystemdNotifier(socketPath: nil),
                logger: log.logger())
        }

        @Test func aMissingInputTopicIsNotReadyWithItsNameAndAWarning() async throws {
            let fixture = try WorkerBrokerFixture()
            // The mock creates any topic a consumer asks about (whatever its
            // allow.auto.create.topics); this error makes it answer UNKNOWN_TOPIC_OR_PART, as a
            // Kafka cluster without auto.create.topics.enable does.
            try fixture.cluster.setTopicError(.unknownTopicOrPartition, topic: "no.such.topic")
            let log = LogRecorder()
            let worker = RunningWorker(try makeWorker(fixture, extra: ["input_topic": "no.such.topic"], log: log))
            let expected = "input topic \"no.such.topic\" does not exist"
            try await Self.wait { worker.worker.health.readiness.reason == expected }
            try await ObservabilityServerTests.withServer(health: worker.worker.health) { _, bound in
                let readyz = try await ObservabilityServerTests.fetch(bound, "/readyz")
                #expect(readyz.status == 503)
                #expect(readyz.body == "not ready: \(expected)\n")
            }
            try await Self.wait { log.warnings.contains("not ready: \(expected)") }
            // Still not ready a few checks later, and warned once only (30 s interval).
            try await Task.sleep(for: .seconds(2))
            #expect(worker.worker.health.readiness == (false, expected))
            #expect(log.warnings.filter { $0.contains("no.such.topic") }.count == 1, "\(log.warnings)")
            // Created by an operator: ready (the consumer joins once the topic is there).
            try fixture.cluster.setTopicError(.noError, topic: "no.such.topic")
            try await Self.wait { worker.worker.health.readiness.ready }
            try await worker.stop()
        }

        @Test func aMissingDeadLetterTopicIsNotReadyWithItsName() async throws {
            let fixture = try WorkerBrokerFixture()
            let log = LogRecorder()
            let worker = RunningWorker(try makeWorker(fixture, extra: ["dead_letter_topic": "no.such.dlq"], log: log))
            let expected = "dead-letter topic \"no.such.dlq\" does not exist"
            try await Self.wait { worker.worker.health.readiness.reason == expected }
            try await Self.wait { log.warnings.contains("not ready: \(expected)") }
            try await worker.stop()
        }

        @Test func unreachableBrokersAreNotReadyAndFailTheStartAfterTheTimeout() async throws {
            let fixture = try WorkerBrokerFixture()
            let log = LogRecorder()
            let worker = RunningWorker(
                try makeWorker(
                    // 15 s: the first metadata answer must come before the start fails, also on two
                    // loaded cores (a parallel `swift test` missed it with 4 s).
                    fixture, extra: ["bootstrap_servers": "127.0.0.1:1", "startup_timeout_ms": "15000"], log: log))
            try await Self.wait { worker.worker.health.readiness.reason.hasPrefix("brokers unreachable (127.0.0.1:1): ") }
            #expect(!worker.worker.health.readiness.ready)
            #expect(log.warnings.contains { $0.hasPrefix("not ready: brokers unreachable (127.0.0.1:1): ") }, "\(log.warnings)")
            let outcome = await Self.outcome(of: worker.task, within: .seconds(120))
            let error = try #require(outcome as? KafkaError, "run() throws a KafkaError, got \(String(describing: outcome))")
            #expect(error.operation == "start")
            #expect(error.message.contains("startup_timeout_ms (15000 ms): brokers unreachable (127.0.0.1:1)"), "\(error)")
        }

        @Test func aTopicMissingPastTheTimeoutFailsTheStartNamingIt() async throws {
            let fixture = try WorkerBrokerFixture()
            let log = LogRecorder()
            let worker = RunningWorker(
                try makeWorker(
                    fixture, extra: ["dead_letter_topic": "no.such.dlq", "startup_timeout_ms": "2000"], log: log))
            let outcome = await Self.outcome(of: worker.task, within: .seconds(60))
            let error = try #require(outcome as? KafkaError, "run() throws a KafkaError, got \(String(describing: outcome))")
            #expect(error.code == .unknownTopicOrPartition)
            #expect(error.topic == "no.such.dlq")
            #expect(error.message.hasSuffix("dead-letter topic \"no.such.dlq\" does not exist"), "\(error)")
        }

        @Test func aWorkerIsReadyOnceItJoinedItsGroupEvenWithoutPartitions() async throws {
            // One input partition, two workers: the second joins with an empty assignment.
            let fixture = try WorkerBrokerFixture(partitions: 1)
            let groupID = WorkerBrokerFixture.freshGroupID()
            let log = LogRecorder()
            let first = RunningWorker(try makeWorker(fixture, groupID: groupID, extra: [:], log: log))
            try await Self.wait { first.worker.health.readiness.ready }
            let second = RunningWorker(try makeWorker(fixture, groupID: groupID, extra: [:], log: log))
            try await Self.wait { second.worker.health.readiness.ready }
            try await Self.wait { first.worker.health.readiness.ready && second.worker.health.readiness.ready }
            try await second.stop()
            try await first.stop()
            #expect(!log.warnings.contains { $0.hasPrefix("not ready") }, "\(log.warnings)")
        }

        /// Waits up to 30 s for `condition`.
        static func wait(until condition: () async -> Bool) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            while await !condition(), clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try #require(await condition())
        }

        /// The error `task` ended with (`nil` when it returned), or `TimedOut` after `limit`.
        static func outcome(of task: Task<Void, any Error>, within limit: Duration) async -> (any Error)? {
            struct TimedOut: Error {}
            return await withTaskGroup(of: (any Error)?.self) { group in
                group.addTask {
                    do {
                        try await task.value
                        return nil
                    } catch {
                        return error
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: limit)
                    return TimedOut()
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }
    }
}
