import Foundation

/// A small, fast, seedable and splittable pseudo-random number generator (SplitMix64).
///
/// The algorithm is Java's `java.util.SplittableRandom` (Steele, Lea and Flood, "Fast Splittable
/// Pseudorandom Number Generators", OOPSLA 2014): a 64-bit counter advanced by an odd `gamma`, each
/// output the counter passed through the MurmurHash3-style finalizer `mix64`. ``split()`` derives
/// an independent generator (new seed and new gamma) so that parts of a computation (each
/// parameter tensor's initialization, each batch's dropout masks) get their own streams.
///
/// It is a value type with no global state: the same seed gives the same sequence on every run and
/// platform, and copying a generator copies its position. Not cryptographically secure.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable, Hashable, Codable {
    /// The counter; advanced by ``gamma`` before every output.
    public private(set) var state: UInt64
    /// The odd increment of this stream.
    public private(set) var gamma: UInt64

    /// `0x9e3779b97f4a7c15`, the 64-bit golden ratio: the default gamma (Java's `GOLDEN_GAMMA`).
    public static let goldenGamma: UInt64 = 0x9e37_79b9_7f4a_7c15

    /// A generator whose sequence is determined by `seed` alone.
    public init(seed: UInt64) {
        self.state = seed
        self.gamma = Self.goldenGamma
    }

    /// Restores a generator from a saved ``state`` and ``gamma`` (e.g. a trainer's resume file).
    /// `gamma` is forced odd.
    public init(state: UInt64, gamma: UInt64) {
        self.state = state
        self.gamma = gamma | 1
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= gamma
        return Self.mix64(state)
    }

    /// A new generator statistically independent of this one; advances this one by two outputs.
    public mutating func split() -> SplitMix64 {
        state &+= gamma
        let seed = Self.mix64(state)
        state &+= gamma
        return SplitMix64(state: seed, gamma: Self.mixGamma(state))
    }

    /// A uniform `Float` in `[0, 1)` with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal sample (mean 0, variance 1) by the Box–Muller transform.
    public mutating func nextStandardNormal() -> Double {
        // u1 in (0, 1] so that log(u1) is finite.
        let u1 = 1 - nextUnitDouble()
        let u2 = nextUnitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Stafford's "Mix13" variant of the MurmurHash3 64-bit finalizer (Java's `mix64`).
    static func mix64(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Java's `mixGamma`: an odd gamma with enough bit transitions.
    static func mixGamma(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 33)) &* 0xff51_afd7_ed55_8ccd
        z = (z ^ (z >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        z = (z ^ (z >> 33)) | 1
        let transitions = (z ^ (z >> 1)).nonzeroBitCount
        return transitions < 24 ? z ^ 0xaaaa_aaaa_aaaa_aaaa : z
    }
}
