import Kafka
import Testing
import Worker

@Suite struct OffsetTrackerTests {
    static func input(_ offset: Int64, partition: Int32 = 0) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: "in", partition: partition, offset: offset, key: nil, value: [])
    }

    static let output = KafkaProducerMessage(topic: "out", value: [])

    @Test func nothingIsCommittableBeforeAnAcknowledgement() {
        var tracker = OffsetTracker()
        _ = tracker.register(Self.input(0), output: Self.output)
        #expect(tracker.takeCommittableOffsets().isEmpty)
        #expect(tracker.inFlightCount == 1)
    }

    @Test func anOffsetWaitsForEveryEarlierOutputOfItsPartition() {
        var tracker = OffsetTracker()
        let tokens = (10..<13).map { tracker.register(Self.input(Int64($0)), output: Self.output) }
        tracker.acknowledge(token: tokens[2])
        tracker.acknowledge(token: tokens[1])
        #expect(tracker.takeCommittableOffsets().isEmpty, "offset 10 is not answered yet")
        tracker.acknowledge(token: tokens[0])
        #expect(tracker.takeCommittableOffsets() == [KafkaTopicPartitionOffset(topic: "in", partition: 0, offset: 13)])
        #expect(tracker.takeCommittableOffsets().isEmpty, "handed out once")
    }

    /// A label and its review copy: the input is answered only when both are acknowledged, in
    /// either order, and a duplicate acknowledgement does not stand in for the other.
    @Test func anInputWithTwoOutputsIsAnsweredWhenBothAreAcknowledged() {
        for order in [[0, 1], [1, 0]] {
            var tracker = OffsetTracker()
            let review = KafkaProducerMessage(topic: "review", value: [])
            let tokens = tracker.register(Self.input(5), outputs: [Self.output, review])
            #expect(tokens.count == 2 && tokens[0] != tokens[1])
            #expect(tracker.pendingOutput(token: tokens[1])?.message.topic == "review")
            #expect(tracker.inFlightCount == 2)
            #expect(tracker.inFlightCount(of: [KafkaTopicPartition(topic: "in", partition: 0)]) == 1, "one input")
            tracker.acknowledge(token: tokens[order[0]])
            tracker.acknowledge(token: tokens[order[0]])
            #expect(tracker.takeCommittableOffsets().isEmpty, "order \(order): one output still pending")
            tracker.acknowledge(token: tokens[order[1]])
            #expect(tracker.takeCommittableOffsets() == [KafkaTopicPartitionOffset(topic: "in", partition: 0, offset: 6)])
            #expect(tracker.inFlightCount == 0)
        }
    }

    @Test func partitionsAdvanceIndependently() {
        var tracker = OffsetTracker()
        let a = tracker.register(Self.input(5, partition: 0), output: Self.output)
        _ = tracker.register(Self.input(7, partition: 1), output: Self.output)
        let c = tracker.register(Self.input(8, partition: 1), output: Self.output)
        tracker.acknowledge(token: a)
        tracker.acknowledge(token: c)
        #expect(tracker.takeCommittableOffsets() == [KafkaTopicPartitionOffset(topic: "in", partition: 0, offset: 6)])
        #expect(tracker.inFlightCount(of: [KafkaTopicPartition(topic: "in", partition: 1)]) == 1)
    }

    @Test func gapsInOffsetsDoNotHoldTheCommitBack() {
        var tracker = OffsetTracker()
        // Transaction markers and compaction leave gaps between consecutive records.
        let tokens = [3, 5, 9].map { tracker.register(Self.input(Int64($0)), output: Self.output) }
        for token in tokens { tracker.acknowledge(token: token) }
        #expect(tracker.takeCommittableOffsets() == [KafkaTopicPartitionOffset(topic: "in", partition: 0, offset: 10)])
    }

    @Test func aForgottenPartitionCommitsNothingEvenWhenItsOutputsAreAcknowledgedLater() {
        var tracker = OffsetTracker()
        let token = tracker.register(Self.input(0), output: Self.output)
        #expect(tracker.forget([KafkaTopicPartition(topic: "in", partition: 0)]) == 1)
        #expect(tracker.acknowledge(token: token) == nil)
        #expect(tracker.takeCommittableOffsets().isEmpty)
        #expect(tracker.inFlightCount == 0)
    }

    @Test func aReassignedPartitionIgnoresTheOldAssignmentsAcknowledgements() {
        var tracker = OffsetTracker()
        let old = tracker.register(Self.input(0), output: Self.output)
        tracker.forget([KafkaTopicPartition(topic: "in", partition: 0)])
        let new = tracker.register(Self.input(4), output: Self.output)
        tracker.acknowledge(token: old)
        #expect(tracker.takeCommittableOffsets().isEmpty)
        tracker.acknowledge(token: new)
        #expect(tracker.takeCommittableOffsets() == [KafkaTopicPartitionOffset(topic: "in", partition: 0, offset: 5)])
    }

    @Test func longRunsKeepCommittingAfterTheQueueIsCompacted() {
        var tracker = OffsetTracker()
        var last: [KafkaTopicPartitionOffset] = []
        for offset in 0..<5000 {
            let token = tracker.register(Self.input(Int64(offset)), output: Self.output)
            tracker.acknowledge(token: token)
            let taken = tracker.takeCommittableOffsets()
            if !taken.isEmpty { last = taken }
        }
        #expect(last == [KafkaTopicPartitionOffset(topic: "in", partition: 0, offset: 5000)])
    }

    @Test func aPendingOutputCanBeReplacedForARetry() {
        var tracker = OffsetTracker()
        let token = tracker.register(Self.input(0), output: Self.output)
        let smaller = KafkaProducerMessage(topic: "dlq", value: nil)
        tracker.replaceOutput(token: token, with: smaller)
        #expect(tracker.pendingOutput(token: token)?.message == smaller)
    }
}
