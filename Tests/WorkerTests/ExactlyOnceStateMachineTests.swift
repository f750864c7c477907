import Kafka
import Testing

@testable import Worker

/// ``ExactlyOnceStateMachine`` without a broker: events in, actions out.
@Suite struct ExactlyOnceStateMachineTests {
    static let p0 = KafkaTopicPartition(topic: "news.raw", partition: 0)
    static let p1 = KafkaTopicPartition(topic: "news.raw", partition: 1)

    static func batch(_ records: [(KafkaTopicPartition, Int64)], events: [KafkaConsumerEvent] = []) -> KafkaConsumerBatch {
        KafkaConsumerBatch(
            messages: records.map { KafkaConsumerMessage(topic: $0.0.topic, partition: $0.0.partition, offset: $0.1, key: nil, value: nil) },
            events: events)
    }

    static func offset(_ partition: KafkaTopicPartition, _ offset: Int64) -> KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: offset)
    }

    @Test func theNextBatchIsClassifiedWhileThisOnesTransactionRuns() {
        var machine = ExactlyOnceStateMachine()
        #expect(machine.started() == [.poll])
        #expect(machine.batchPolled(Self.batch([(Self.p0, 0)]), stopRequested: false) == [.classify, .poll, .runTransaction])
        #expect(machine.batchPolled(Self.batch([(Self.p0, 1)]), stopRequested: false) == [.classify, .awaitTransaction])
        #expect(machine.transactionFinished(committed: true, stopRequested: false) == [.poll, .runTransaction])
        #expect(machine.isInTransaction)
    }

    @Test func anAbortRewindsBothBatchesAndDropsTheSecondUnsent() {
        var machine = ExactlyOnceStateMachine()
        _ = machine.started()
        _ = machine.batchPolled(Self.batch([(Self.p0, 10), (Self.p0, 11), (Self.p1, 5)]), stopRequested: false)
        #expect(machine.batchPolled(Self.batch([(Self.p0, 12), (Self.p1, 6)]), stopRequested: false) == [.classify, .awaitTransaction])
        #expect(
            machine.transactionFinished(committed: false, stopRequested: false)
                == [.dropClassified, .rewind([Self.offset(Self.p0, 10), Self.offset(Self.p1, 5)]), .poll])
        #expect(!machine.isInTransaction)
    }

    @Test func aStopDuringATransactionFinishesItAndTheBatchBehindItThenLeaves() {
        var machine = ExactlyOnceStateMachine()
        _ = machine.started()
        _ = machine.batchPolled(Self.batch([(Self.p0, 0)]), stopRequested: false)
        #expect(machine.batchPolled(Self.batch([(Self.p0, 1)]), stopRequested: true) == [.classify, .awaitTransaction])
        #expect(machine.transactionFinished(committed: true, stopRequested: true) == [.runTransaction, .awaitTransaction])
        #expect(machine.transactionFinished(committed: true, stopRequested: true) == [], "no poll: the loop ends")
        #expect(machine.pollingEnded() == [.finish])
    }

    @Test func aStopWithATransactionStillRunningAwaitsItBeforeLeaving() {
        var machine = ExactlyOnceStateMachine()
        _ = machine.started()
        _ = machine.batchPolled(Self.batch([(Self.p0, 0)]), stopRequested: false)
        #expect(machine.pollingEnded() == [.awaitTransaction])
        #expect(machine.transactionFinished(committed: false, stopRequested: true) == [.finish], "aborted: left to the next owner")
    }

    @Test func aRebalanceWaitsForTheTransactionBeforeThePollThatReleasesIt() {
        var machine = ExactlyOnceStateMachine()
        _ = machine.started()
        let revoking = Self.batch([(Self.p0, 0)], events: [.partitionsRevoked([Self.p0], lost: false)])
        #expect(machine.batchPolled(revoking, stopRequested: false) == [.classify, .runTransaction, .awaitTransaction])
        #expect(machine.transactionFinished(committed: false, stopRequested: false) == [.rewind([Self.offset(Self.p0, 0)]), .poll])
    }

    @Test func anEmptyPollPollsAgain() {
        var machine = ExactlyOnceStateMachine()
        _ = machine.started()
        #expect(machine.batchPolled(KafkaConsumerBatch(), stopRequested: false) == [.poll])
        #expect(machine.batchPolled(KafkaConsumerBatch(), stopRequested: true) == [])
        #expect(machine.pollingEnded() == [.finish])
    }
}
