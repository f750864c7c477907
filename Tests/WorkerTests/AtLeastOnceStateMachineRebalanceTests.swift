import Kafka
import Testing

@testable import Worker

/// ``AtLeastOnceStateMachine`` across incremental (cooperative-sticky) revocations and
/// reassignments, and its count of replayed inputs (``AtLeastOnceStateMachine/replayed(_:)``).
/// Builds on the helpers of ``AtLeastOnceStateMachineTests``.
@Suite struct AtLeastOnceStateMachineRebalanceTests {
    typealias Base = AtLeastOnceStateMachineTests
    static let p0 = Base.p0
    static let p1 = Base.p1

    @Test func anIncrementalRevocationDrainsCommitsAndForgetsOnlyTheRevokedPartitions() {
        var machine = Base.running(answered: 3, commitInterval: .seconds(1))
        let answered = machine.register(Base.input(Self.p1, 0), output: Base.label(0))
        _ = machine.deliveryReported(token: answered, result: .success(0))
        let inFlight = machine.register(Base.input(Self.p1, 1), output: Base.label(1))
        let revoked = KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0], lost: false)])
        #expect(
            machine.batchPolled(revoked, hasRecords: false, stopRequested: false, now: Base.start)
                == [.awaitOutputs(of: [Self.p0])], "waits for p0's outputs only")
        #expect(
            machine.outputsDrained(of: [Self.p0])
                == [.commit([Base.offset(Self.p0, 3)], .revocation), .forgot([Self.p0], lost: false, unanswered: 0)])
        _ = machine.commitFinished([Base.offset(Self.p0, 3)], reason: .revocation, error: nil, now: Base.start)
        #expect(machine.assignment == [Self.p1], "p1 stays assigned")
        #expect(machine.tracker.inFlightCount(of: [Self.p1]) == 1, "p1's output in flight is still tracked")
        #expect(machine.batchHandled(stopRequested: false, now: Base.start) == [.poll], "p1 keeps flowing")
        _ = machine.deliveryReported(token: inFlight, result: .success(1))
        #expect(
            machine.batchHandled(stopRequested: false, now: Base.start + .seconds(2))
                == [.commit([Base.offset(Self.p1, 2)], .interval)], "p1 is committed at the interval")
        // The empty increment that follows a cooperative revocation changes nothing.
        let increment = KafkaConsumerBatch(events: [.partitionsAssigned([])])
        _ = machine.commitFinished([Base.offset(Self.p1, 2)], reason: .interval, error: nil, now: Base.start)
        #expect(machine.batchPolled(increment, hasRecords: false, stopRequested: false, now: Base.start) == [])
        #expect(machine.assignment == [Self.p1])
    }

    @Test func anIncrementalAssignmentAddsToTheAssignment() {
        var machine = Base.running()
        let p2 = KafkaTopicPartition(topic: "news.raw", partition: 2)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsAssigned([p2])]), hasRecords: false, stopRequested: false, now: Base.start)
        #expect(machine.assignment == [Self.p0, Self.p1, p2])
    }

    @Test func inputsAnsweredBeforeARefusedRevocationCommitAreCountedWhenReadAgain() {
        var machine = Base.running(answered: 4)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: false)]), hasRecords: false,
            stopRequested: false, now: Base.start)
        let commit = [Base.offset(Self.p0, 4)]
        #expect(machine.outputsDrained(of: [Self.p0, Self.p1]).first == .commit(commit, .revocation))
        let refusal = KafkaError(code: .rebalanceInProgress, message: "rebalance", operation: "commit")
        _ = machine.commitFinished(commit, reason: .revocation, error: refusal, now: Base.start)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsAssigned([Self.p0])]), hasRecords: false, stopRequested: false,
            now: Base.start)
        // The group's committed offset was 0: the consumer reads 0... again; 0–3 were answered.
        let again = (0..<6).map { Base.input(Self.p0, Int64($0)) }
        #expect(machine.replayed(again) == [Self.p0: 4])
        #expect(machine.replayed([Base.input(Self.p1, 0)]).isEmpty, "nothing of p1 was answered")
        // Not answered twice: 0–3 get no output, 4 and 5 do; the commit covers all six.
        let tokens = again.map { machine.registerUnlessAnswered($0, output: Base.label($0.offset)) }
        #expect(tokens.prefix(4).allSatisfy { $0 == nil })
        #expect(tokens.suffix(2).allSatisfy { $0 != nil })
        #expect(machine.tracker.inFlightCount == 2)
        for token in tokens.compactMap({ $0 }) { _ = machine.deliveryReported(token: token, result: .success(0)) }
        #expect(machine.outputsDrained(of: nil) == [.commit([Base.offset(Self.p0, 6)], .stop)])
    }

    @Test func nothingIsReplayedAfterACommitThatWasTaken() {
        var machine = Base.running(answered: 4)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: false)]), hasRecords: false,
            stopRequested: false, now: Base.start)
        _ = machine.outputsDrained(of: [Self.p0, Self.p1])
        _ = machine.commitFinished([Base.offset(Self.p0, 4)], reason: .revocation, error: nil, now: Base.start)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsAssigned([Self.p0])]), hasRecords: false, stopRequested: false,
            now: Base.start)
        #expect(machine.replayed([Base.input(Self.p0, 4), Base.input(Self.p0, 5)]).isEmpty)
        #expect(machine.answeredBefore[Self.p0] == 4)
    }

    @Test func aLostPartitionRemembersWhatWasAnsweredButNotCommitted() {
        var machine = Base.running(answered: 3)
        _ = machine.batchPolled(
            KafkaConsumerBatch(events: [.partitionsRevoked([Self.p0, Self.p1], lost: true)]), hasRecords: false,
            stopRequested: false, now: Base.start)
        #expect(machine.replayed((0..<5).map { Base.input(Self.p0, Int64($0)) }) == [Self.p0: 3])
    }
}
