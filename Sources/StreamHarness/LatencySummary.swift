/// Percentiles of a set of latencies, by the nearest-rank method: the p-th percentile of `n`
/// sorted samples is the sample at 1-based rank `⌈p · n⌉` (so it is always an observed value;
/// NIST/SEMATECH e-Handbook, and "Percentile: the nearest-rank method" in most statistics texts).
public struct LatencySummary: Sendable, Equatable {
    /// The samples in ascending order, in seconds.
    public let sortedSeconds: [Double]

    /// - Parameter seconds: latencies in seconds, any order.
    public init(seconds: [Double]) {
        self.sortedSeconds = seconds.sorted()
    }

    /// The number of samples.
    public var count: Int { sortedSeconds.count }

    /// The nearest-rank percentile, in seconds; `nil` without samples.
    /// - Parameter fraction: the percentile as a fraction in `0...1` (0.5 for p50, 0.99 for p99);
    ///   values outside are clamped.
    public func percentile(_ fraction: Double) -> Double? {
        guard !sortedSeconds.isEmpty else { return nil }
        let p = min(max(fraction, 0), 1)
        let rank = Int((p * Double(sortedSeconds.count)).rounded(.up))
        return sortedSeconds[min(max(rank, 1), sortedSeconds.count) - 1]
    }

    /// The median (nearest rank).
    public var p50: Double? { percentile(0.5) }
    /// The 99th percentile (nearest rank).
    public var p99: Double? { percentile(0.99) }
    /// The largest sample.
    public var maximum: Double? { sortedSeconds.last }
}
