import Kafka
import Logging
import Synchronization
import Testing

@testable import Worker

@Suite struct RetryPolicyTests {
    static let retriable = KafkaError(code: .requestTimedOut, message: "timed out", operation: "test")
    static let permanent = KafkaError(code: .topicAuthorizationFailed, message: "denied", operation: "test")

    @Test func aRetriableErrorIsRetriedUntilTheAttemptsAreUsedUp() async {
        let calls = Atomic<Int>(0)
        let policy = RetryPolicy(attempts: 3, backoff: .zero, isRetriable: { $0.isRetriable })
        await #expect(throws: KafkaError.self) {
            try await policy.run("test", logger: Logger(label: "test")) { () throws(KafkaError) in
                calls.add(1, ordering: .relaxed)
                throw Self.retriable
            }
        }
        #expect(calls.load(ordering: .relaxed) == 3)
    }

    @Test func anErrorThatIsNotRetriableEndsAtOnce() async {
        let calls = Atomic<Int>(0)
        await #expect(throws: KafkaError.self) {
            try await RetryPolicy.initTransactions.run("test", logger: Logger(label: "test")) { () throws(KafkaError) in
                calls.add(1, ordering: .relaxed)
                throw Self.permanent
            }
        }
        #expect(calls.load(ordering: .relaxed) == 1)
    }

    @Test func aSuccessAfterRefusalsReturnsItsValue() async throws {
        let calls = Atomic<Int>(0)
        let value = try await RetryPolicy.queueFull.run("test", logger: Logger(label: "test")) { () throws(KafkaError) -> Int in
            if calls.add(1, ordering: .relaxed).newValue < 4 {
                throw KafkaError(code: .queueFull, message: "full", operation: "produce")
            }
            return 7
        }
        #expect(value == 7)
    }

    @Test func theDeadlineEndsTheRetries() async {
        let policy = RetryPolicy.commit(until: ContinuousClock.now + .milliseconds(300))
        let calls = Atomic<Int>(0)
        await #expect(throws: KafkaError.self) {
            try await policy.run("commit", logger: Logger(label: "test")) { () throws(KafkaError) in
                calls.add(1, ordering: .relaxed)
                throw Self.retriable
            }
        }
        #expect((1...3).contains(calls.load(ordering: .relaxed)))
    }

    @Test func aRebalanceRefusalIsNotRetriedByTheCommitPolicy() {
        let refusal = KafkaError(code: .rebalanceInProgress, message: "rebalance", operation: "commit")
        #expect(CommitRefusal.isRebalance(refusal))
        #expect(!RetryPolicy.commit(until: .now + .seconds(1)).isRetriable(refusal))
    }
}
