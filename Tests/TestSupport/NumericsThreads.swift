import Foundation
import Testing

/// Runs a test (or every test of a suite) on the numerics threads instead of Swift's cooperative
/// thread pool: `@Suite(.onNumericsThreads)`.
///
/// Swift Testing runs tests in parallel as tasks on the cooperative pool, one thread per core. A
/// synchronous test holds its thread until it returns, so a few CPU-heavy numerical tests (seconds
/// each, on two cores) leave no thread for the broker and process tests, whose waits are measured
/// on the clock (group joins, child processes): those time out without having run. With this
/// trait the test's task prefers ``NumericsExecutor/shared``, so its synchronous code runs on one
/// of those threads and the pool stays free. Task-local values (the current test, where `#expect`
/// records) are kept: it is the same task, on another executor.
public struct NumericsThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // A suite's own scope is left alone: each of its tests gets this scope itself.
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(NumericsExecutor.shared) {
            try await function()
        }
    }
}

extension Trait where Self == NumericsThreadsTrait {
    /// Runs the test, or each test of the suite, on ``NumericsExecutor/shared``.
    public static var onNumericsThreads: Self { Self() }
}

/// A task executor with its own threads for CPU-heavy tests: one fewer than the cores (at least
/// one), so one core is left to the cooperative pool. Jobs run in the order they were enqueued.
public final class NumericsExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs` is only touched with `condition` locked.
    /// The executor the ``NumericsThreadsTrait`` uses, started on first use.
    public static let shared = NumericsExecutor(
        threadCount: max(1, ProcessInfo.processInfo.activeProcessorCount - 1))

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// Starts `threadCount` threads that run the jobs enqueued here; they live as long as the
    /// process.
    init(threadCount: Int) {
        for index in 0..<threadCount {
            let thread = Thread { [self] in runJobs() }
            thread.name = "numerics-tests-\(index)"
            // As much stack as the main thread and the pool's threads have (8 MiB), not a
            // secondary thread's default.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
