import Kafka
import Testing

@testable import Worker

/// ``AtLeastOnceStateMachine`` without a broker: events in, actions out.
@Suite struct AtLeastOnceStateMachineTests {
    static let p0 = KafkaTopicPartition(topic: "news.raw", partition: 0)
    static let p1 = KafkaTopicPartition(topic: "news.raw", partition: 1)
    static let start = ContinuousClock.now

    static func machine(maxInFlight: Int = 100, commitInterval: Duration = .seconds(1)) -> AtLeastOnceStateMachine {
        AtLeastOnceStateMachine(
            configuration: .init(maxInFlight: maxInFlight, commitInterval: commitInterval, deadLetterTopic: "news.raw.dlq"))
    }

    static func input(_ partition: KafkaTopicPartition, _ offset: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: partition.topic, partition: partition.partition, offset: offset, key: nil, value: Array("{}".utf8))
    }

    static func label(_ offset: Int64) -> KafkaProducerMessage {
        KafkaProducerMessage(topic: "news.labels", value: Array("label \(offset)".utf8))
    }

    static func offset(_ partition: KafkaTopicPartition, _ offset: Int64) -> KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: offset)
    }

    /// A machine with p0 and p1 assigned and `answered` inputs of p0 registered and acknowledged.
    static func running(answered: Int64 = 0, commitInterval: Duration = .seconds(60)) -> AtLeastOnceStateMachine {
        var machine = machine(commitInterval: commitInterval)
        _ = machine.started(now: start)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsAssigned([p0, p1])]), hasRecords: false, stopRequested: false, now: start)
        _ = machine.batchHandled(stopRequested: false, now: start)
        for offset in 0..<answered {
            let token = machine.register(input(p0, offset), output: label(offset))
            _ = machine.deliveryReported(token: token, result: .success(offset))
        }
        return machine
    }

    @Test func theNextBatchIsPolledWhileThisOneIsClassifiedAndThePreviousOnePublished() {
        var machine = Self.machine()
        #expect(machine.started(now: Self.start) == [.poll])
        let first = KafkaConsumerBatch(messages: [Self.input(Self.p0, 0)])
        #expect(machine.batchPolled(first, hasRecords: true, stopRequested: false, now: Self.start) == [.poll, .classify, .publish])
        #expect(machine.batchHandled(stopRequested: false, now: Self.start) == [])
        let second = KafkaConsumerBatch(messages: [Self.input(Self.p0, 1)])
        #expect(
            machine.batchPolled(second, hasRecords: true, stopRequested: false, now: Self.start)
                == [.poll, .classify, .awaitPublish, .publish])
    }

    @Test func aRevocationInTheMiddleOfABatchWaitsForItsOutputsThenCommitsAndForgets() {
        var machine = Self.running()
        let batch = KafkaConsumerBatch(
            messages: [Self.input(Self.p0, 0), Self.input(Self.p0, 1)],
            events: [.partitionsRevoked([Self.p0, Self.p1], lost: false)])
        // No poll ahead: the revocation is released by the next poll, after its work is known.
        #expect(
            machine.batchPolled(batch, hasRecords: true, stopRequested: false, now: Self.start)
                == [.classify, .publish, .awaitPublish, .awaitOutputs(of: [Self.p0, Self.p1])])
        machine.publishFinished()
        let tokens = [0, 1].map { machine.register(Self.input(Self.p0, Int64($0)), output: Self.label(Int64($0))) }
        for token in tokens { _ = machine.deliveryReported(token: token, result: .success(0)) }
        #expect(
            machine.outputsDrained(of: [Self.p0, Self.p1])
                == [.commit([Self.offset(Self.p0, 2)], .revocation), .forgot([Self.p0, Self.p1], lost: false, unanswered: 0)])
        #expect(machine.commitFinished([Self.offset(Self.p0, 2)], reason: .revocation, error: nil, now: Self.start) == [])
        #expect(machine.batchHandled(stopRequested: false, now: Self.start) == [.poll])
        #expect(machine.assignment.isEmpty)
    }

    @Test func aRevocationWhilePausedResumesFirst() {
        var machine = Self.machine(maxInFlight: 1, commitInterval: .seconds(60))
        _ = machine.started(now: Self.start)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsAssigned([Self.p0])]), hasRecords: false, stopRequested: false, now: Self.start)
        _ = machine.register(Self.input(Self.p0, 0), output: Self.label(0))
        #expect(machine.batchHandled(stopRequested: false, now: Self.start) == [.pause([Self.p0]), .poll])
        let revoked = KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0], lost: false)])
        #expect(
            machine.batchPolled(revoked, hasRecords: false, stopRequested: false, now: Self.start)
                == [.resume([Self.p0]), .awaitOutputs(of: [Self.p0])])
    }

    @Test func lostPartitionsAreForgottenWithoutACommit() {
        var machine = Self.running(answered: 3)
        _ = machine.register(Self.input(Self.p0, 3), output: Self.label(3))
        let lost = KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: true)])
        #expect(
            machine.batchPolled(lost, hasRecords: false, stopRequested: false, now: Self.start)
                == [.forgot([Self.p0, Self.p1], lost: true, unanswered: 1)])
        #expect(machine.batchHandled(stopRequested: false, now: .now + .seconds(120)) == [.poll], "nothing left to commit")
        #expect(machine.uncommitted.isEmpty)
    }

    @Test func answeredOffsetsAreCommittedAtTheCommitInterval() {
        var machine = Self.running(answered: 5, commitInterval: .seconds(1))
        #expect(machine.batchHandled(stopRequested: false, now: Self.start + .milliseconds(500)) == [])
        let due = Self.start + .milliseconds(1001)
        #expect(machine.batchHandled(stopRequested: false, now: due) == [.commit([Self.offset(Self.p0, 5)], .interval)])
        _ = machine.commitFinished([Self.offset(Self.p0, 5)], reason: .interval, error: nil, now: due)
        #expect(machine.batchHandled(stopRequested: false, now: due + .seconds(2)) == [], "nothing new answered")
        #expect(machine.committed[Self.p0] == 5)
    }

    @Test func aZeroCommitIntervalCommitsAfterEveryBatch() {
        var machine = Self.running(answered: 1, commitInterval: .zero)
        #expect(machine.batchHandled(stopRequested: false, now: Self.start) == [.commit([Self.offset(Self.p0, 1)], .interval)])
    }

    @Test func aCommitRefusedDuringARebalanceIsSentAgainWhenThePartitionComesBack() {
        var machine = Self.running(answered: 4)
        let revoked = KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: false)])
        _ = machine.batchPolled(revoked, hasRecords: false, stopRequested: false, now: Self.start)
        let commit = [Self.offset(Self.p0, 4)]
        #expect(machine.outputsDrained(of: [Self.p0, Self.p1]).first == .commit(commit, .revocation))
        let refusal = KafkaError(code: .rebalanceInProgress, message: "rebalance", operation: "commit")
        #expect(machine.commitFinished(commit, reason: .revocation, error: refusal, now: Self.start) == [])
        #expect(machine.awaitingRebalance == [Self.p0])
        _ = machine.batchHandled(stopRequested: false, now: Self.start)
        // Only p0 comes back: its refused commit goes again.
        let assigned = KafkaConsumerBatch(events: [.partitionsAssigned([Self.p0])])
        #expect(
            machine.batchPolled(assigned, hasRecords: false, stopRequested: false, now: Self.start)
                == [.commit(commit, .rebalanceSettled)])
        _ = machine.commitFinished(commit, reason: .rebalanceSettled, error: nil, now: Self.start)
        #expect(machine.report.isClean)
    }

    @Test func aRefusedCommitOfAPartitionGivenToAnotherMemberIsNotSent() {
        var machine = Self.running(answered: 4)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: false)]), hasRecords: false,
            stopRequested: false, now: Self.start)
        let commit = [Self.offset(Self.p0, 4)]
        _ = machine.outputsDrained(of: [Self.p0, Self.p1])
        let refusal = KafkaError(code: .illegalGeneration, message: "generation", operation: "commit")
        _ = machine.commitFinished(commit, reason: .revocation, error: refusal, now: Self.start)
        #expect(
            machine.batchPolled(
                KafkaConsumerBatch(events: [.partitionsAssigned([Self.p1])]), hasRecords: false, stopRequested: false,
                now: Self.start) == [])
        #expect(machine.report.uncommittedPartitions == [Self.p0], "reported, never committed by this worker")
    }

    @Test func aDeliveryFailureIsProducedAgain() {
        var machine = Self.running()
        let token = machine.register(Self.input(Self.p0, 0), output: Self.label(0))
        let error = KafkaError(code: .messageTimedOut, message: "timed out", operation: "produce")
        guard case .produceAgain(let entry, let again, nil) = machine.deliveryReported(token: token, result: .failure(error))
        else {
            Issue.record("not produced again")
            return
        }
        #expect(again == token)
        #expect(entry.message == Self.label(0))
        #expect(machine.tracker.inFlightCount == 1, "still waiting for its report")
    }

    @Test func aDeadLetterTooLargeIsSentAgainWithoutItsValue() {
        var machine = Self.running()
        let letter = KafkaProducerMessage(topic: "news.raw.dlq", value: [UInt8](repeating: 1, count: 2000))
        let token = machine.register(Self.input(Self.p0, 0), output: letter)
        let error = KafkaError(code: .messageSizeTooLarge, message: "too large", operation: "produce")
        guard case .produceAgain(let entry, _, let dropped) = machine.deliveryReported(token: token, result: .failure(error))
        else {
            Issue.record("not produced again")
            return
        }
        #expect(entry.message.value == nil)
        #expect(entry.message.headers.contains { $0.name == WorkerOutput.valueDroppedHeader })
        #expect(dropped == 2000)
        #expect(machine.tracker.pendingOutput(token: token)?.message.value == nil, "kept for a later retry")
    }

    @Test func aLabelTooLargeEndsTheLoop() {
        var machine = Self.running()
        let token = machine.register(Self.input(Self.p0, 0), output: Self.label(0))
        let error = KafkaError(code: .messageSizeTooLarge, message: "too large", operation: "produce")
        #expect(machine.deliveryReported(token: token, result: .failure(error)) == .fail(error))
        #expect(
            machine.batchPolled(KafkaConsumerBatch(), hasRecords: false, stopRequested: false, now: Self.start)
                == [.fail(error)])
    }

    @Test func aStopWhilePausedPollsNoMoreResumesAndDrains() {
        var machine = Self.machine(maxInFlight: 1, commitInterval: .seconds(60))
        _ = machine.started(now: Self.start)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsAssigned([Self.p0])]), hasRecords: false, stopRequested: false, now: Self.start)
        let token = machine.register(Self.input(Self.p0, 0), output: Self.label(0))
        #expect(machine.batchHandled(stopRequested: false, now: Self.start) == [.pause([Self.p0]), .poll])
        #expect(machine.batchPolled(KafkaConsumerBatch(), hasRecords: false, stopRequested: true, now: Self.start) == [])
        #expect(machine.batchHandled(stopRequested: true, now: Self.start) == [], "no poll: the loop ends")
        #expect(machine.pollingEnded() == [.resume([Self.p0]), .awaitOutputs(of: nil)])
        _ = machine.deliveryReported(token: token, result: .success(0))
        #expect(machine.outputsDrained(of: nil) == [.commit([Self.offset(Self.p0, 1)], .stop)])
        #expect(machine.commitFinished([Self.offset(Self.p0, 1)], reason: .stop, error: nil, now: Self.start) == [.finish])
        #expect(machine.report == DrainReport(unanswered: 0, uncommittedPartitions: []))
    }

    @Test func aFinalCommitRefusedDuringARebalanceWaitsForItToSettle() {
        var machine = Self.running(answered: 2)
        _ = machine.pollingEnded()
        let commit = [Self.offset(Self.p0, 2)]
        #expect(machine.outputsDrained(of: nil) == [.commit(commit, .stop)])
        let refusal = KafkaError(code: .rebalanceInProgress, message: "rebalance", operation: "commit")
        #expect(machine.commitFinished(commit, reason: .stop, error: refusal, now: Self.start) == [.pollUntilRebalanceSettles])
        #expect(machine.report.uncommittedPartitions == [Self.p0], "not a clean drain while uncommitted")
        #expect(machine.drainPolled(KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: false)])) == [])
        #expect(machine.drainPolled(KafkaConsumerBatch(events: [.partitionsAssigned([Self.p0])])) == [.commit(commit, .rebalanceSettled)])
        _ = machine.commitFinished(commit, reason: .rebalanceSettled, error: nil, now: Self.start)
        #expect(!machine.isAwaitingRebalance)
        #expect(machine.report.isClean)
    }

    /// After a refused commit the partition comes back and is read again from the older
    /// committed offset: the refused offset is committed once, and the redone inputs do not move
    /// the commit back.
    @Test func aCommitNeverGoesBelowWhatWasCommitted() {
        var machine = Self.running(answered: 4, commitInterval: .zero)
        let commit = [Self.offset(Self.p0, 4)]
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: false)]), hasRecords: false,
            stopRequested: false, now: Self.start)
        _ = machine.outputsDrained(of: [Self.p0, Self.p1])
        let refusal = KafkaError(code: .rebalanceInProgress, message: "rebalance", operation: "commit")
        _ = machine.commitFinished(commit, reason: .revocation, error: refusal, now: Self.start)
        _ = machine.batchHandled(stopRequested: false, now: Self.start)
        #expect(
            machine.batchPolled(
                KafkaConsumerBatch(events: [.partitionsAssigned([Self.p0, Self.p1])]), hasRecords: false,
                stopRequested: false, now: Self.start) == [.commit(commit, .rebalanceSettled)])
        _ = machine.commitFinished(commit, reason: .rebalanceSettled, error: nil, now: Self.start)
        for offset: Int64 in 0..<2 {
            let token = machine.register(Self.input(Self.p0, offset), output: Self.label(offset))
            _ = machine.deliveryReported(token: token, result: .success(offset))
        }
        #expect(machine.batchHandled(stopRequested: false, now: Self.start) == [.poll], "offset 2 < 4: not committed")
    }
}
