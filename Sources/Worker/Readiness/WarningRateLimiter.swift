/// Lets a warning through at most once per ``interval`` for each key, so that a condition
/// checked every few seconds (a missing topic, unreachable brokers) is logged at a bounded
/// rate.
///
/// A value type driven by the caller's instants (tests pass instants they choose; no clock is
/// read here).
public struct WarningRateLimiter<Key: Hashable & Sendable>: Sendable {
    /// The least time between two warnings of the same key.
    public let interval: Duration
    private var lastLogged: [Key: ContinuousClock.Instant] = [:]

    /// - Parameter interval: the least time between two warnings of one key.
    public init(interval: Duration) {
        self.interval = interval
    }

    /// Whether a warning for `key` may be logged at `now`; when it may, `now` is recorded as its
    /// last warning.
    public mutating func shouldLog(_ key: Key, at now: ContinuousClock.Instant) -> Bool {
        if let last = lastLogged[key], now - last < interval { return false }
        lastLogged[key] = now
        return true
    }

    /// Forgets `key`'s last warning (the condition ended), so that its next occurrence is logged
    /// at once.
    public mutating func reset(_ key: Key) {
        lastLogged[key] = nil
    }

    /// Forgets every key's last warning.
    public mutating func resetAll() {
        lastLogged.removeAll()
    }
}
