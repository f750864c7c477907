import Kafka
import Logging

/// How an operation that may be refused for a while is retried: how many attempts, how long to
/// wait between them, until when, and which errors are worth another attempt. The worker's one
/// retry helper (``run(_:logger:_:)``): transactions, rewinds, the final commit and produce
/// calls refused by a full local queue all go through it.
struct RetryPolicy: Sendable {
    /// The most attempts, the first included; `nil`: until ``deadline``.
    var attempts: Int?
    /// The wait between two attempts.
    var backoff: Duration
    /// No attempt starts after this instant; `nil`: no deadline.
    var deadline: ContinuousClock.Instant?
    /// Whether a failed attempt may be repeated.
    var isRetriable: @Sendable (KafkaError) -> Bool
    /// The level at which a retried failure is logged; `nil`: not logged (queue-full waits).
    var logLevel: Logger.Level? = .warning

    /// `initTransactions`: librdkafka's retriable errors, 6 attempts.
    static let initTransactions = RetryPolicy(
        attempts: 6, backoff: .zero, isRetriable: { $0.isRetriable })

    /// `commitTransaction`: retriable errors that do not require an abort, 6 attempts.
    static let commitTransaction = RetryPolicy(
        attempts: 6, backoff: .zero, isRetriable: { $0.isRetriable && !$0.transactionRequiresAbort })

    /// The seek back to an aborted batch's first records: any error, 3 attempts 100 ms apart.
    static let rewind = RetryPolicy(attempts: 3, backoff: .milliseconds(100), isRetriable: { _ in true })

    /// A produce call refused because librdkafka's local queue is full: every 5 ms until there
    /// is room (the delivery reports free it), not logged.
    static let queueFull = RetryPolicy(
        attempts: nil, backoff: .milliseconds(5), isRetriable: { $0.code == .queueFull }, logLevel: nil)

    /// A commit the coordinator refused for a while (timed out, coordinator moving): every
    /// 200 ms until `deadline`. Refusals because of a rebalance are not retried here: they wait
    /// for the rebalance to settle (``AtLeastOnceStateMachine``).
    static func commit(until deadline: ContinuousClock.Instant) -> RetryPolicy {
        RetryPolicy(
            attempts: nil, backoff: .milliseconds(200), deadline: deadline,
            isRetriable: { $0.isRetriable && !CommitRefusal.isRebalance($0) }, logLevel: .info)
    }

    /// Runs `body` until it succeeds, fails with an error that is not retriable, or the attempts
    /// or the deadline are used up.
    ///
    /// - Parameters:
    ///   - operation: what is retried, for the log (`"commit"`, `"init transactions"`).
    ///   - logger: where retried failures are logged (at ``logLevel``).
    ///   - body: the attempt.
    /// - Returns: what the successful attempt returned.
    /// - Throws: ``KafkaError``: the last attempt's error.
    func run<T>(
        _ operation: String, logger: Logger, _ body: () async throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let clock = ContinuousClock()
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                let attemptsLeft = attempts.map { attempt < $0 } ?? true
                let timeLeft = deadline.map { clock.now.advanced(by: backoff) < $0 } ?? true
                guard isRetriable(error), attemptsLeft, timeLeft else { throw error }
                if let logLevel {
                    logger.log(
                        level: logLevel, "\(operation) failed; retrying",
                        metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                }
                attempt += 1
                if backoff > .zero { try? await Task.sleep(for: backoff) }
            }
        }
    }
}

/// Which commit refusals mean "a rebalance is under way": the offsets are committed again once
/// it settled, for the partitions this worker still owns.
enum CommitRefusal {
    /// `REBALANCE_IN_PROGRESS`, `ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`, `FENCED_INSTANCE_ID`.
    static func isRebalance(_ error: KafkaError) -> Bool {
        [.rebalanceInProgress, .illegalGeneration, KafkaError.Code(rawValue: 25), KafkaError.Code(rawValue: 82)]
            .contains(error.code)
    }
}
