import RecurrentNetwork

/// The run's random streams, each a ``SplitMix64`` whose seed is derived from the run's seed, a
/// purpose and an index (an epoch, a step, a class).
///
/// Counter-based: the stream for (purpose, index) does not depend on what was drawn before, so
/// a resumed run needs only its position (epoch, step) to continue with exactly the numbers an
/// uninterrupted run would draw. The derivation hashes the three values with SplitMix64's
/// finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
public struct RandomStreams: Sendable, Equatable, Codable {
    /// The run's seed (`--seed`).
    public let seed: UInt64

    /// What a stream is used for.
    public enum Purpose: UInt64, Sendable {
        /// The stratified validation split; index = class id.
        case validationSplit = 1
        /// The initial weights; index 0.
        case initialization = 2
        /// The order of the training items in an epoch; index = epoch (0-based).
        case shuffle = 3
        /// The dropout masks of one optimizer step; index = global step (0-based).
        case dropout = 4
    }

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// The seed of the stream for `purpose` and `index`.
    public func seed(for purpose: Purpose, index: UInt64 = 0) -> UInt64 {
        var mixer = SplitMix64(seed: seed)
        let base = mixer.next()
        var second = SplitMix64(seed: base ^ (purpose.rawValue &* 0xD1B5_4A32_D192_ED03))
        let keyed = second.next()
        var third = SplitMix64(seed: keyed &+ index &* 0x8CB9_2BA7_2F3D_8DD7)
        return third.next()
    }

    /// A generator for `purpose` and `index`.
    public func generator(for purpose: Purpose, index: UInt64 = 0) -> SplitMix64 {
        SplitMix64(seed: seed(for: purpose, index: index))
    }
}
