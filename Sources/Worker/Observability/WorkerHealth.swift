import Synchronization

/// The worker's health as the `/healthz` and `/readyz` endpoints and systemd's watchdog see it.
///
/// Ready (``Readiness``): the cluster answered metadata, the three topics exist and the
/// consumer joined its group, as ``ReadinessMonitor`` last saw it; not ready once draining
/// began (``beginDraining()``), whatever the checks say after.
/// Live: the batch loop has made progress (``heartbeat()``) within the liveness window, so a
/// wedged loop turns `/healthz` red even while the process is up.
public final class WorkerHealth: Sendable {
    private struct State {
        var ready = false
        var lastHeartbeat: ContinuousClock.Instant
        var readinessReason = "starting"
        var isDraining = false
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> ContinuousClock.Instant
    /// How long without a heartbeat before the worker counts as not live.
    public let livenessWindow: Duration

    /// - Parameters:
    ///   - livenessWindow: default 30 s.
    ///   - now: the clock's current instant (tests pass a clock they advance by hand); the start
    ///     counts as a heartbeat.
    public init(
        livenessWindow: Duration = .seconds(30),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.livenessWindow = livenessWindow
        self.now = now
        state = Mutex(State(lastHeartbeat: now()))
    }

    /// Marks the worker ready to serve, or not (with the reason `/readyz` reports).
    public func setReady(_ ready: Bool, reason: String = "") {
        state.withLock {
            $0.ready = ready
            $0.readinessReason = ready ? "ready" : reason
        }
    }

    /// Sets the readiness a check found (``ReadinessMonitor``); ignored once draining began.
    public func update(_ readiness: Readiness) {
        state.withLock {
            guard !$0.isDraining else { return }
            $0.ready = readiness.isReady
            $0.readinessReason = readiness.description
        }
    }

    /// Marks the worker not ready with the reason `draining`, for good: later checks
    /// (``update(_:)``) no longer change it.
    public func beginDraining() {
        state.withLock {
            $0.isDraining = true
            $0.ready = false
            $0.readinessReason = NotReadyReason.draining.description
        }
    }

    /// Records progress of the batch loop.
    public func heartbeat() {
        let instant = now()
        state.withLock { $0.lastHeartbeat = instant }
    }

    /// Whether the worker is ready, and why not.
    public var readiness: (ready: Bool, reason: String) {
        state.withLock { ($0.ready, $0.readinessReason) }
    }

    /// How long ago the batch loop last made progress.
    public var timeSinceHeartbeat: Duration {
        let instant = now()
        return state.withLock { instant - $0.lastHeartbeat }
    }

    /// Whether the batch loop made progress within ``livenessWindow``.
    public var isLive: Bool {
        timeSinceHeartbeat <= livenessWindow
    }
}
