/// What the readiness monitor does with each evaluated ``Readiness``, as a state machine whose
/// ``observe(_:at:)`` returns the actions to perform (log, notify systemd, fail the start).
///
/// - The first time the worker is ready: ``Action/becameReady`` (systemd `READY=1`, and an
///   `info` line).
/// - Ready again after a later outage: ``Action/recovered``.
/// - Not ready: ``Action/warn(_:)`` at most once per ``ReadinessMonitor/warningInterval`` per
///   kind of reason (``NotReadyReason/kind``). While the worker starts, `starting` and
///   `joining consumer group` are expected and not warned about until the start outlasts
///   ``ReadinessMonitor/warningInterval``; after the worker was ready, every reason is warned.
/// - Still not ready ``startupTimeout`` after the start for a reason that
///   ``NotReadyReason/failsStartup`` (brokers unreachable, a topic missing):
///   ``Action/failStartup(_:)``, once. Outages after the worker was ready never fail it.
/// - Draining: no action (the drain sets `/readyz` itself).
public struct ReadinessTracker: Sendable {
    /// What the caller does.
    public enum Action: Sendable, Hashable {
        /// The worker is ready for the first time.
        case becameReady
        /// The worker is ready again after being not ready.
        case recovered(after: NotReadyReason)
        /// Log this reason at `warning`.
        case warn(NotReadyReason)
        /// The worker did not become ready within `startup_timeout_ms`: stop and fail.
        case failStartup(NotReadyReason)
    }

    /// When the worker started.
    public let start: ContinuousClock.Instant
    /// `startup_timeout_ms`; `nil`: wait forever.
    public let startupTimeout: Duration?
    /// Whether the worker has been ready at least once.
    public private(set) var hasBeenReady = false
    /// The last readiness observed.
    public private(set) var current: Readiness = .notReady(.starting)
    private var warnings: WarningRateLimiter<String>
    private var hasFailed = false

    /// - Parameters:
    ///   - start: the worker's start.
    ///   - startupTimeout: `startup_timeout_ms` (`nil` or zero: no limit).
    ///   - warningInterval: the least time between two warnings of one kind.
    public init(
        start: ContinuousClock.Instant, startupTimeout: Duration?,
        warningInterval: Duration = ReadinessMonitor.warningInterval
    ) {
        self.start = start
        self.startupTimeout = startupTimeout == .zero ? nil : startupTimeout
        self.warnings = WarningRateLimiter(interval: warningInterval)
    }

    /// Records `readiness` observed at `now` and returns what to do.
    public mutating func observe(_ readiness: Readiness, at now: ContinuousClock.Instant) -> [Action] {
        let previous = current
        current = readiness
        switch readiness {
        case .ready:
            defer { hasBeenReady = true }
            warnings.resetAll()
            if !hasBeenReady { return [.becameReady] }
            if case .notReady(let reason) = previous { return [.recovered(after: reason)] }
            return []
        case .notReady(.draining):
            return []
        case .notReady(let reason):
            var actions: [Action] = []
            let expectedWhileStarting = reason == .starting || reason.kind == NotReadyReason.joiningGroup("").kind
            let startingFor = now - start
            if hasBeenReady || !expectedWhileStarting || startingFor >= warnings.interval,
                warnings.shouldLog(reason.kind, at: now)
            {
                actions.append(.warn(reason))
            }
            if !hasBeenReady, !hasFailed, let startupTimeout, startingFor >= startupTimeout, reason.failsStartup {
                hasFailed = true
                actions.append(.failStartup(reason))
            }
            return actions
        }
    }
}
