import Foundation

/// A dedicated thread that runs blocking librdkafka calls (poll, flush, synchronous commit,
/// transaction calls) one after another, so that they never occupy a thread of the Swift
/// concurrency pool. Async callers suspend until their job has run.
///
/// `@unchecked Sendable`: the job list and the shut-down flag are only touched while holding
/// `condition`'s lock.
final class BlockingExecutor: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var isShutDown = false

    /// Starts the thread.
    /// - Parameter name: the thread's name (shown by debuggers and `top -H`).
    init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the executor's thread and returns its result.
    ///
    /// - Throws: what `body` throws, or ``KafkaError/Code/destroy`` when the executor was shut
    ///   down before the job could start.
    func run<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, KafkaError>, Never>) in
            let accepted = submit {
                continuation.resume(returning: Result { () throws(KafkaError) -> T in try body() })
            }
            if !accepted {
                continuation.resume(
                    returning: .failure(
                        KafkaError(
                            code: .destroy, message: "the client was closed",
                            operation: operation)))
            }
        }
        return try result.get()
    }

    /// Lets the thread finish the jobs already submitted, then exit. Later jobs are refused.
    func shutDown() {
        condition.lock()
        isShutDown = true
        condition.signal()
        condition.unlock()
    }

    /// Runs `job` on the executor's thread without waiting for it; does nothing after
    /// ``shutDown()``.
    func execute(_ job: @escaping @Sendable () -> Void) {
        _ = submit(job)
    }

    private func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isShutDown else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isShutDown { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
