import Kafka
import Logging

/// Re-checks the worker's ``Readiness`` while it runs: asks the cluster for the metadata of the
/// three topics, reads the consumer's group membership, applies ``ReadinessCheck``, sets
/// ``WorkerHealth`` (`/readyz`) and performs ``ReadinessTracker``'s actions (warnings at a
/// bounded rate, systemd `READY=1` the first time the worker is ready).
///
/// Checks run every ``startingCheckInterval`` until the worker is ready, then every
/// ``checkInterval`` while it stays ready and every ``startingCheckInterval`` while it is not
/// (so that recovery is seen quickly). ``run()`` returns when cancelled or once the worker
/// drains, or with the reason when the start failed (``ReadinessTracker``,
/// `startup_timeout_ms`).
public struct ReadinessMonitor: Sendable {
    /// The least time between two warnings of the same kind of not-ready reason (30 s): often
    /// enough that an operator tailing the log sees the reason, rarely enough that an outage of
    /// hours does not flood it.
    public static let warningInterval: Duration = .seconds(30)
    /// Time between checks while the worker is ready (10 s): a metadata request for three
    /// topics costs the cluster little, and `/readyz` turns red within this after a topic is
    /// deleted or the brokers are lost.
    public static let checkInterval: Duration = .seconds(10)
    /// Time between checks while the worker is not ready (500 ms), so that `READY=1` follows
    /// the group join closely.
    public static let startingCheckInterval: Duration = .milliseconds(500)
    /// The longest a metadata request may wait for a broker (5 s; less when less of
    /// `startup_timeout_ms` is left).
    public static let metadataTimeout: Duration = .seconds(5)

    /// The readiness rule.
    public let check: ReadinessCheck
    /// `startup_timeout_ms` (`nil` or zero: no limit).
    public let startupTimeout: Duration?
    private let metadata: @Sendable (_ timeout: Duration) async -> Result<[KafkaTopicMetadata], KafkaError>
    private let hasJoinedGroup: @Sendable () -> Bool
    private let isDraining: @Sendable () -> Bool
    private let health: WorkerHealth
    private let logger: Logger
    private let becameReady: @Sendable () -> Void
    private let intervals: (ready: Duration, notReady: Duration)

    /// - Parameters:
    ///   - check: the readiness rule (topics, group, brokers of the configuration).
    ///   - startupTimeout: `startup_timeout_ms`.
    ///   - metadata: a metadata request for ``ReadinessCheck/topicNames``, waiting at most the
    ///     given time for a broker.
    ///   - hasJoinedGroup: ``KafkaConsumer/hasJoinedGroup``.
    ///   - isDraining: whether the worker was asked to stop.
    ///   - health: where the readiness goes.
    ///   - logger: warnings for each not-ready reason (rate-limited), `info` when ready.
    ///   - becameReady: called once, the first time the worker is ready (systemd `READY=1`).
    ///   - checkInterval: time between checks while ready; default ``checkInterval``.
    ///   - startingCheckInterval: time between checks while not ready; default
    ///     ``startingCheckInterval``.
    public init(
        check: ReadinessCheck, startupTimeout: Duration?,
        metadata: @escaping @Sendable (_ timeout: Duration) async -> Result<[KafkaTopicMetadata], KafkaError>,
        hasJoinedGroup: @escaping @Sendable () -> Bool, isDraining: @escaping @Sendable () -> Bool,
        health: WorkerHealth, logger: Logger, becameReady: @escaping @Sendable () -> Void,
        checkInterval: Duration = Self.checkInterval, startingCheckInterval: Duration = Self.startingCheckInterval
    ) {
        self.intervals = (checkInterval, startingCheckInterval)
        self.check = check
        self.startupTimeout = startupTimeout
        self.metadata = metadata
        self.hasJoinedGroup = hasJoinedGroup
        self.isDraining = isDraining
        self.health = health
        self.logger = logger
        self.becameReady = becameReady
    }

    /// Checks until cancelled or draining; returns the reason when the worker was not ready
    /// within `startup_timeout_ms` (the caller stops the worker and fails), else `nil`.
    public func run() async -> NotReadyReason? {
        let clock = ContinuousClock()
        var tracker = ReadinessTracker(start: clock.now, startupTimeout: startupTimeout)
        while !Task.isCancelled, !isDraining() {
            var timeout = Self.metadataTimeout
            if !tracker.hasBeenReady, let startupTimeout = tracker.startupTimeout {
                let left = tracker.start + startupTimeout - clock.now
                timeout = max(.milliseconds(100), min(timeout, left))
            }
            let answer = await metadata(timeout)
            let observation = ReadinessObservation(
                metadata: answer, hasJoinedGroup: hasJoinedGroup(), isDraining: isDraining())
            let readiness = check.evaluate(observation)
            health.update(readiness)
            for action in tracker.observe(readiness, at: clock.now) {
                switch action {
                case .becameReady:
                    logger.info("ready", metadata: ["kafka.group": "\(check.groupID)"])
                    becameReady()
                case .recovered(let reason):
                    logger.info("ready again", metadata: ["previous_reason": "\(reason)"])
                case .warn(let reason):
                    logger.warning("not ready: \(reason)", metadata: ["readiness.reason": "\(reason.kind)"])
                case .failStartup(let reason):
                    logger.error(
                        "not ready within startup_timeout_ms; stopping",
                        metadata: [
                            "reason": "\(reason)",
                            "startup_timeout_ms": "\((tracker.startupTimeout ?? .zero).wholeMilliseconds)",
                        ])
                    return reason
                }
            }
            let interval = tracker.current.isReady ? intervals.ready : intervals.notReady
            do {
                try await Task.sleep(for: interval)
            } catch {
                return nil
            }
        }
        return nil
    }
}
