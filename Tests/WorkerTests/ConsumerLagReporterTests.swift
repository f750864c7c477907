import Kafka
import MetricsTestKit
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import Worker

/// The lag reporter with a stub for the worker's ``ClassificationWorker/consumerLag()``.
@Suite struct ConsumerLagReporterTests {
    @Test func refreshesTheGaugeOfEachPartitionEveryInterval() async throws {
        let metrics = TestMetrics()
        let calls = CallCounter()
        let reporter = ConsumerLagReporter(interval: .milliseconds(20), metrics: WorkerMetrics(factory: metrics)) {
            let call = calls.increment()
            return [
                KafkaTopicPartition(topic: "news.raw", partition: 0): Int64(100 + call),
                KafkaTopicPartition(topic: "news.raw", partition: 3): 0,
            ]
        }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await reporter.run() }
                let clock = ContinuousClock()
                // Generous: under a parallel `swift test` on two cores the cooperative pool can be
                // busy for many seconds (seen: 17 s); the count, not the speed, is what is tested.
                let deadline = clock.now.advanced(by: .seconds(120))
                while calls.value < 3, clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        let refreshes = calls.value
        #expect(refreshes >= 3)
        let zero = try metrics.expectGauge("newsclf_consumer_lag", [("topic", "news.raw"), ("partition", "0")])
        #expect(zero.values.count == refreshes)
        #expect(zero.lastValue == Double(100 + refreshes))
        let three = try metrics.expectGauge("newsclf_consumer_lag", [("topic", "news.raw"), ("partition", "3")])
        #expect(three.lastValue == 0)
    }

    @Test func nothingIsReportedBeforeTheFirstInterval() async throws {
        let metrics = TestMetrics()
        let reporter = ConsumerLagReporter(interval: .seconds(3600), metrics: WorkerMetrics(factory: metrics)) {
            [KafkaTopicPartition(topic: "news.raw", partition: 0): 1]
        }
        let clock = ContinuousClock()
        let start = clock.now
        await testGracefulShutdown { trigger in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await reporter.run() }
                try? await Task.sleep(for: .milliseconds(50))
                trigger.triggerGracefulShutdown()
            }
        }
        // The interval is an hour; a starved cooperative pool can delay the shutdown by seconds
        // (seen: 13 s), so the bound only has to tell "ended by the shutdown" from "waited the hour".
        #expect(clock.now - start < .seconds(300), "graceful shutdown ends the wait for the next interval")
        #expect(throws: (any Error).self) {
            try metrics.expectGauge("newsclf_consumer_lag", [("topic", "news.raw"), ("partition", "0")])
        }
    }

    @Test func cancellationEndsIt() async {
        let reporter = ConsumerLagReporter(interval: .seconds(3600), metrics: WorkerMetrics(factory: TestMetrics())) { [:] }
        let running = Task { await reporter.run() }
        running.cancel()
        await running.value
    }
}
