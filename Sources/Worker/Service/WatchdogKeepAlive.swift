import Logging
import ServiceLifecycle

/// systemd's watchdog keep-alive (`WatchdogSec=`): sends `WATCHDOG=1` every half
/// ``watchdogInterval`` (as `sd_watchdog_enabled(3)` advises) for as long as the batch loop made
/// progress (``WorkerHealth/heartbeat()``) within the whole interval.
///
/// A timer of its own keeps the cadence steady while a batch is being classified; a wedged loop
/// stops the keep-alives, and systemd restarts the worker at most two watchdog intervals after it
/// wedged. Runs until graceful shutdown or cancellation; in `newsclf-worker` it is shut down
/// after the classification service drained, so the keep-alives go on during the drain.
public struct WatchdogKeepAlive: Service, CustomStringConvertible {
    /// systemd's watchdog interval (``SystemdNotifier/watchdogInterval()``).
    public let watchdogInterval: Duration
    private let notifier: SystemdNotifier
    private let health: WorkerHealth
    private let logger: Logger

    /// - Parameters:
    ///   - watchdogInterval: `WatchdogSec`, normally ``SystemdNotifier/watchdogInterval()``.
    ///   - notifier: where `WATCHDOG=1` goes.
    ///   - health: the batch loop's heartbeat.
    ///   - logger: a warning for each keep-alive held back, and failed notifications.
    public init(
        watchdogInterval: Duration, notifier: SystemdNotifier = SystemdNotifier(), health: WorkerHealth,
        logger: Logger = Logger(label: "newsclf.worker")
    ) {
        self.watchdogInterval = watchdogInterval
        self.notifier = notifier
        self.health = health
        self.logger = logger
    }

    public var description: String { "WatchdogKeepAlive" }

    /// Sends the keep-alives; returns on graceful shutdown or cancellation.
    public func run() async {
        let (window, notifier, health, logger) = (watchdogInterval, notifier, health, logger)
        let period = window / 2
        let windowMilliseconds = window.components.seconds * 1000 + window.components.attoseconds / 1_000_000_000_000_000
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: period)
                } catch {
                    return
                }
                guard health.timeSinceHeartbeat < window else {
                    logger.warning(
                        "batch loop made no progress within the watchdog interval; not sending WATCHDOG=1",
                        metadata: ["watchdog_ms": "\(windowMilliseconds)"])
                    continue
                }
                do {
                    try notifier.watchdog()
                } catch {
                    logger.warning("systemd notification failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
