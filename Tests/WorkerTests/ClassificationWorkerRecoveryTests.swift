import Foundation
import Kafka
import Testing
import Worker

extension WorkerBrokerTests {
    /// ``ClassificationWorker`` through broker faults injected into librdkafka's mock cluster
    /// (`KafkaMockCluster`): the only broker down for a few seconds mid-stream, and refused
    /// requests (Produce, Fetch, OffsetCommit, transaction requests). The worker must ride them
    /// out: every input answered, nothing lost, and (at-least-once) the committed offsets at the
    /// end of the input when it stops.
    ///
    /// The mock does not model exactly-once (`../shared/KAFKA-TESTING.md`: transactional offsets
    /// are dropped and aborted records stay visible), so the exactly-once cases assert that every
    /// input is answered and that the worker keeps serving and stops cleanly; the transactional
    /// guarantee itself is asserted on noida-db (``ExactlyOnceTests``).
    @Suite struct ClassificationWorkerRecoveryTests {
        /// Inputs `prefix0…prefix(count-1)`, keyed and with ids by those names.
        static func inputs(_ prefix: String, count: Int) throws -> [(key: String, value: [UInt8])] {
            try (0..<count).map {
                ("\(prefix)\($0)", try WorkerTestSupport.inputJSON(id: "\(prefix)\($0)", text: "Shares climb after report \($0)"))
            }
        }

        /// Every input position (`topic[partition]@offset`) up to the high watermarks.
        static func inputPositions(_ high: [KafkaTopicPartition: Int64]) -> Set<String> {
            var result: Set<String> = []
            for (partition, end) in high {
                for offset in 0..<end { result.insert("\(partition.topic)[\(partition.partition)]@\(offset)") }
            }
            return result
        }

        /// Checks what the topics hold after the worker stopped: one output per input at least,
        /// none for an input that does not exist. Returns the number of duplicates.
        static func expectEveryInputAnswered(
            _ fixture: WorkerBrokerFixture, count: Int, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> Int {
            let high = try await fixture.highWatermarks()
            let expected = inputPositions(high)
            #expect(expected.count == count, "inputs on the broker", sourceLocation: sourceLocation)
            let outputs = try await fixture.readOutputs(count: count)
            let answered = outputs.compactMap(\.sourcePosition)
            #expect(Set(answered) == expected, "every input answered, nothing else", sourceLocation: sourceLocation)
            #expect(answered.count == outputs.count, "every output names its input", sourceLocation: sourceLocation)
            return outputs.count - Set(answered).count
        }

        /// Once `worker` answered its first inputs, takes the broker down for 4 s while 50 more
        /// inputs are produced (they reach it once it is back), then waits for all 200 inputs to
        /// be answered and stops the worker and the collector.
        static func rideOutBrokerDown(
            _ fixture: WorkerBrokerFixture, worker: RunningWorker, collector: OutputCollector,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            #expect(await collector.wait { !$0.isEmpty }, "the worker answers before the fault", sourceLocation: sourceLocation)

            try fixture.cluster.setBrokerDown(1)
            let lateInputs = Task { try await fixture.produce(try Self.inputs("b", count: 50)) }
            try await Task.sleep(for: .seconds(4))
            try fixture.cluster.setBrokerUp(1)
            try await lateInputs.value

            let complete = await collector.wait(timeout: .seconds(60)) {
                Set($0.compactMap(\.sourcePosition)).count >= 200
            }
            try await worker.stop()
            await collector.stop()
            #expect(complete, "every input answered after the broker came back", sourceLocation: sourceLocation)
        }

        @Test func atLeastOnceRidesOutTheBrokerGoingDownMidStream() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            try await fixture.produce(try Self.inputs("a", count: 150))
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(groupID: groupID, extra: ["batch_max_size": "4"])))
            try await Self.rideOutBrokerDown(fixture, worker: worker, collector: collector)
            #expect(try await fixture.committedOffsets(groupID: groupID) == fixture.highWatermarks())
            _ = try await Self.expectEveryInputAnswered(fixture, count: 200)
        }

        @Test func atLeastOnceRidesOutRefusedProduceFetchAndCommitRequests() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            try await fixture.produce(try Self.inputs("a", count: 100))
            // Retriable refusals: librdkafka retries them (the idempotent producer keeps order).
            try fixture.cluster.pushRequestErrors(
                [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas, .networkException],
                for: .produce)
            try fixture.cluster.pushRequestErrors(
                [.notLeaderForPartition, .unknownTopicOrPartition, .requestTimedOut], for: .fetch)
            try fixture.cluster.pushRequestErrors(
                [.coordinatorNotAvailable, .notCoordinator, .requestTimedOut, .coordinatorLoadInProgress],
                for: .offsetCommit)
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(groupID: groupID, extra: ["batch_max_size": "8"])))
            let outputs = try await fixture.readOutputs(count: 100, timeout: .seconds(60))
            try await worker.stop()
            #expect(Set(outputs.compactMap(\.sourcePosition)).count == 100, "every input answered")
            #expect(try await fixture.committedOffsets(groupID: groupID) == fixture.highWatermarks())
            _ = try await Self.expectEveryInputAnswered(fixture, count: 100)
        }

        /// A permanent refusal (the output topic not writable for this client) is not retried
        /// forever: the run ends with the error, the refused input stays uncommitted, and the
        /// restarted worker (systemd's `Restart=on-failure`) answers it.
        @Test func aPermanentlyRefusedOutputEndsTheRunAndTheRestartAnswersItsInput() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            try await fixture.produce(try Self.inputs("a", count: 20))
            try fixture.cluster.pushRequestErrors([.topicAuthorizationFailed], for: .produce)
            let first = try fixture.makeWorker(try fixture.configuration(groupID: groupID))
            let error = await #expect(throws: KafkaError.self) { try await first.run() }
            #expect(error?.code == .topicAuthorizationFailed, "\(String(describing: error))")
            let committed = try await fixture.committedOffsets(groupID: groupID)
            let high = try await fixture.highWatermarks()
            #expect(committed != high, "the refused input is not committed")

            let second = RunningWorker(try fixture.makeWorker(try fixture.configuration(groupID: groupID)))
            let outputs = try await fixture.readOutputs(count: 20)
            try await second.stop()
            #expect(Set(outputs.compactMap(\.sourcePosition)).count == 20, "every input answered after the restart")
            #expect(try await fixture.committedOffsets(groupID: groupID) == high)
        }

        @Test func atLeastOnceRetriesTheFinalCommitWhenTheCoordinatorRefusesIt() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            try await fixture.produce(try Self.inputs("a", count: 30))
            // No auto-commit within the test: only the drain's commit can commit.
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(groupID: groupID, kafka: ["auto.commit.interval.ms": "600000"])))
            let outputs = try await fixture.readOutputs(count: 30)
            #expect(Set(outputs.compactMap(\.sourcePosition)).count == 30)
            try fixture.cluster.pushRequestErrors(
                [.coordinatorNotAvailable, .requestTimedOut, .notCoordinator], for: .offsetCommit)
            try await worker.stop()
            #expect(
                try await fixture.committedOffsets(groupID: groupID) == fixture.highWatermarks(),
                "the drain's commit is retried until the coordinator takes it")
        }

        @Test func exactlyOnceRidesOutTheBrokerGoingDownMidStream() async throws {
            let fixture = try WorkerBrokerFixture()
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            try await fixture.produce(try Self.inputs("a", count: 150))
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(
                        groupID: WorkerBrokerFixture.freshGroupID(),
                        extra: [
                            "processing_guarantee": "exactly_once", "transactional_id": "recovery-\(UUID().uuidString)",
                            "batch_max_size": "4",
                        ])))
            try await Self.rideOutBrokerDown(fixture, worker: worker, collector: collector)
            _ = try await Self.expectEveryInputAnswered(fixture, count: 200)
        }

        @Test func exactlyOnceRidesOutRefusedTransactionRequests() async throws {
            let fixture = try WorkerBrokerFixture()
            try await fixture.produce(try Self.inputs("a", count: 60))
            // Retriable refusals of each transaction step: librdkafka retries them within the
            // transaction, or the worker aborts and redoes the batch.
            try fixture.cluster.pushRequestErrors([.coordinatorNotAvailable, .notCoordinator], for: .initProducerID)
            try fixture.cluster.pushRequestErrors(
                [.coordinatorLoadInProgress, .concurrentTransactions], for: .addPartitionsToTransaction)
            try fixture.cluster.pushRequestErrors([.coordinatorNotAvailable], for: .addOffsetsToTransaction)
            try fixture.cluster.pushRequestErrors([.requestTimedOut, .notCoordinator], for: .transactionOffsetCommit)
            try fixture.cluster.pushRequestErrors([.notCoordinator, .concurrentTransactions], for: .endTransaction)
            try fixture.cluster.pushRequestErrors([.notLeaderForPartition, .requestTimedOut], for: .produce)
            try fixture.cluster.pushRequestErrors([.notLeaderForPartition], for: .fetch)
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(
                        groupID: WorkerBrokerFixture.freshGroupID(),
                        extra: [
                            "processing_guarantee": "exactly_once", "transactional_id": "recovery-\(UUID().uuidString)",
                            "batch_max_size": "8",
                        ])))
            let outputs = try await fixture.readOutputs(count: 60, timeout: .seconds(60))
            try await worker.stop()
            #expect(Set(outputs.compactMap(\.sourcePosition)).count == 60, "every input answered")
            _ = try await Self.expectEveryInputAnswered(fixture, count: 60)
        }
    }
}
