/// Which batches the shadow model classifies under `shadow_sample_rate` r, in (0, 1].
///
/// A deterministic credit accumulator rather than a coin: each batch adds r to a credit, and a
/// batch is admitted when the credit reaches 1 (which then drops by 1). Of n consecutive batches
/// ⌊n·r⌋ or ⌈n·r⌉ are admitted, evenly spread, the first one always, and a run is reproducible
/// (the same input gives the same shadow sample). The rate bounds the shadow's share of the CPU
/// (README "Shadow evaluation").
public struct ShadowSampler: Sendable, Equatable {
    /// The share of batches admitted, in (0, 1].
    public let rate: Double
    private var credit: Double

    /// - Parameter rate: the share of batches to admit; values outside (0, 1] are clamped into
    ///   it (the configuration refuses them earlier: ``WorkerConfiguration/shadowSampleRate``).
    public init(rate: Double) {
        let rate = rate.isFinite ? min(1, max(rate, .leastNonzeroMagnitude)) : 1
        self.rate = rate
        self.credit = 1 - rate
    }

    /// Whether the next batch is admitted.
    public mutating func admits() -> Bool {
        credit += rate
        // The tolerance absorbs the rounding of repeated additions (e.g. ten additions of 0.1).
        guard credit >= 1 - 1e-9 else { return false }
        credit -= 1
        return true
    }
}
