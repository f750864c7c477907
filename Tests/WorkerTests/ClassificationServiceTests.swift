import Kafka
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import Worker

extension WorkerBrokerTests {
    /// The worker as a `Service` against librdkafka's mock cluster: graceful shutdown drains it,
    /// cancellation is an error; and its consumer lag while it runs.
    @Suite struct ClassificationServiceTests {
        @Test func gracefulShutdownDrainsTheWorkerAndCommitsItsOffsets() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let worker = try fixture.makeWorker(try fixture.configuration(groupID: groupID))
            #expect(await worker.consumerLag().isEmpty, "no consumer before run()")
            try await fixture.produce(
                try (0..<20).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Storm hits coast \($0)")) })
            let service = ClassificationService(worker: worker)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    let outputs = try await fixture.readOutputs(count: 20)
                    #expect(outputs.count == 20)
                    let partitions = Set([0, 1].map { KafkaTopicPartition(topic: fixture.input, partition: $0) })
                    var lag: [KafkaTopicPartition: Int64] = [:]
                    try await Self.wait {
                        lag = await worker.consumerLag()
                        return Set(lag.keys) == partitions && lag.values.allSatisfy { $0 == 0 }
                    }
                    #expect(Set(lag.keys) == partitions, "\(lag)")
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(worker.isStopRequested)
            #expect(await worker.consumerLag().isEmpty, "no consumer after run()")
            #expect(try await fixture.committedOffsets(groupID: groupID) == fixture.highWatermarks())
        }

        @Test func cancellationStopsTheWorkerAndThrowsCancelled() async throws {
            let fixture = try WorkerBrokerFixture()
            let worker = try fixture.makeWorker(try fixture.configuration(groupID: WorkerBrokerFixture.freshGroupID()))
            let service = ClassificationService(worker: worker)
            let running = Task { try await service.run() }
            try await Self.wait { worker.health.readiness.ready }
            running.cancel()
            await #expect(throws: ClassificationServiceError.self) { try await running.value }
            #expect(worker.isStopRequested)
        }

        /// Waits up to 30 s for `condition`.
        static func wait(until condition: () async -> Bool) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            while await !condition(), clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try #require(await condition())
        }
    }
}
