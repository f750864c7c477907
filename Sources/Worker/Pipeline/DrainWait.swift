/// Waiting for outputs in flight, with a deadline: the one place the worker waits for delivery
/// reports (a revocation, the drain on stop). Beats ``WorkerHealth/heartbeat()`` while it waits,
/// since waiting within a bounded drain timeout is progress.
enum DrainWait {
    /// Waits until `isDone` holds or `deadline` passed, checking every 5 ms.
    ///
    /// - Parameters:
    ///   - deadline: when to give up.
    ///   - health: beaten while waiting.
    ///   - isDone: whether the wait is over (nothing in flight, or a failure to stop on).
    /// - Returns: whether `isDone` held (false: the deadline passed first).
    @discardableResult
    static func wait(
        until deadline: ContinuousClock.Instant, health: WorkerHealth, isDone: () -> Bool
    ) async -> Bool {
        let clock = ContinuousClock()
        while !isDone() {
            guard clock.now < deadline else { return false }
            health.heartbeat()
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}
