import Foundation
import Kafka
import MetricsTestKit
import Testing
import Worker

extension WorkerBrokerTests {
    /// Several ``ClassificationWorker``s in one consumer group share the input topic's partitions
    /// on librdkafka's mock cluster (eager range assignment; see ``WorkerBrokerTests``).
    ///
    /// Whether the group has settled is seen through each worker's own
    /// `newsclf_messages_consumed_total{partition}` counters: inputs are produced in rounds, and a
    /// round in which every worker read something and no partition was read by two workers shows
    /// the partitions split among all of them. At-least-once on the mock redoes uncommitted inputs
    /// after a rebalance (`../shared/KAFKA-TESTING.md`), so coverage is asserted and duplicates
    /// are only reported.
    @Suite struct ConsumerGroupScalingTests {
        static let partitions: Int32 = 4

        /// One worker of the group with its own metrics.
        struct Member {
            let running: RunningWorker
            let metrics: TestMetrics

            /// Records read so far from each input partition.
            func consumed(topic: String) -> [Int32: Int64] {
                var result: [Int32: Int64] = [:]
                for partition in 0..<ConsumerGroupScalingTests.partitions {
                    let total = metrics.counterTotal(
                        label: "newsclf_messages_consumed_total",
                        dimensions: [("topic", topic), ("partition", String(partition))])
                    if total > 0 { result[partition] = total }
                }
                return result
            }
        }

        /// Produces inputs and tracks which of them have been answered.
        final class Rounds {
            let fixture: WorkerBrokerFixture
            let collector: OutputCollector
            private(set) var produced: Set<String> = []
            private var next = 0

            init(fixture: WorkerBrokerFixture, collector: OutputCollector) {
                self.fixture = fixture
                self.collector = collector
            }

            /// Produces `count` inputs with fresh keys and waits until every input produced so far
            /// has an output; returns false if that took longer than `timeout`.
            func run(count: Int, timeout: Duration = .seconds(60)) async throws -> Bool {
                let ids = (next..<next + count).map { "item-\($0)" }
                next += count
                try await fixture.produce(
                    try ids.map { ("key-\($0)", try WorkerTestSupport.inputJSON(id: $0, text: "Market report \($0)")) })
                produced.formUnion(ids)
                let expected = produced
                return await collector.wait(timeout: timeout) { Self.answeredIDs($0).isSuperset(of: expected) }
            }

            /// The `id`s of the label messages among `messages`.
            static func answeredIDs(_ messages: [KafkaConsumerMessage]) -> Set<String> {
                Set(messages.compactMap { message in
                    let object = try? JSONSerialization.jsonObject(with: Data(message.value ?? [])) as? [String: Any]
                    return object?["id"] as? String
                })
            }
        }

        /// Runs rounds until one shows every member reading from partitions no other member read
        /// in that round, or `timeout` passes. Returns the partitions each member read in that
        /// round, or nil.
        static func settle(
            _ members: [Member], rounds: Rounds, topic: String, timeout: Duration = .seconds(60)
        ) async throws -> [Set<Int32>]? {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            while clock.now < deadline {
                let before = members.map { $0.consumed(topic: topic) }
                let answered = try await rounds.run(count: 24)
                #expect(answered, "a round of inputs was not answered in time")
                let read = zip(members, before).map { member, before in
                    Set(member.consumed(topic: topic).filter { $0.value > before[$0.key, default: 0] }.keys)
                }
                let total = read.reduce(0) { $0 + $1.count }
                if read.allSatisfy({ !$0.isEmpty }) && Set(read.joined()).count == total {
                    return read
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            return nil
        }

        @Test func twoThenThreeWorkersShareThePartitionsAndEveryInputIsAnswered() async throws {
            let fixture = try WorkerBrokerFixture(partitions: Self.partitions)
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            let rounds = Rounds(fixture: fixture, collector: collector)
            let groupID = WorkerBrokerFixture.freshGroupID()

            func start(_ instance: String) throws -> Member {
                let metrics = TestMetrics()
                let configuration = try fixture.configuration(groupID: groupID, extra: ["instance": instance])
                let worker = try fixture.makeWorker(configuration, metrics: WorkerMetrics(factory: metrics))
                return Member(running: RunningWorker(worker), metrics: metrics)
            }

            var members = [try start("a"), try start("b")]
            let two = try await Self.settle(members, rounds: rounds, topic: fixture.input)
            #expect(two != nil, "two workers never split the 4 partitions between them")
            if let two {
                #expect(two.map(\.count).reduce(0, +) == Int(Self.partitions), "two workers: \(two)")
            }

            members.append(try start("c"))
            let three = try await Self.settle(members, rounds: rounds, topic: fixture.input)
            #expect(three != nil, "three workers never split the 4 partitions among them")
            if let three {
                #expect(three.map(\.count).reduce(0, +) == Int(Self.partitions), "three workers: \(three)")
            }

            try await withThrowingTaskGroup(of: Void.self) { group in
                for member in members { group.addTask { try await member.running.stop() } }
                try await group.waitForAll()
            }
            await collector.stop()

            let labels = collector.messages.filter { $0.topic == fixture.output }
            let answered = Rounds.answeredIDs(labels)
            #expect(answered.isSuperset(of: rounds.produced), "inputs without a label: \(rounds.produced.subtracting(answered).sorted())")
            #expect(collector.messages.allSatisfy { $0.topic == fixture.output }, "no dead letters")
            print(
                "ConsumerGroupScalingTests: \(rounds.produced.count) inputs, \(labels.count) labels,"
                    + " \(labels.count - answered.count) duplicates after rebalances (at-least-once on the mock)")
        }
    }
}
