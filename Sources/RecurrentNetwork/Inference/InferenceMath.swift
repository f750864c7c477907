/// Branch-free float32 `exp`, logistic sigmoid and `tanh` for the inference kernels.
///
/// Written as plain scalar code without calls, traps or data-dependent branches so that LLVM
/// vectorizes the loops that use them (the C library's `expf`/`tanhf` are opaque calls and keep a
/// loop scalar). Accuracy, checked against the C library in `InferenceMathTests`: a few float32
/// ulps (relative error below 1e-6) on the whole finite range the recurrent cells see.
///
/// Sources: the range reduction and minimax polynomial of `exp` are Cephes `expf`
/// (S. L. Moshier, Cephes Math Library, 1984–1992; the same constants as `sse_mathfun`'s
/// `exp_ps`); `tanh` uses the identity tanh|x| = (1 − e^{−2|x|}) / (1 + e^{−2|x|}) and, for
/// |x| < 0.3 where that identity cancels, the Taylor series of tanh through x¹¹.
enum InferenceMath {
    /// e^x. Inputs are clamped to [−86, 88], so the result is finite and normal
    /// (e^{−86} ≈ 4.4e−38, e^{88} ≈ 1.65e38).
    @inline(__always)
    static func exp(_ value: Float) -> Float {
        var x = value < -86 ? -86 : value
        x = x > 88 ? 88 : x
        // n = round(x / ln 2) by the "magic number" 1.5·2²³: adding it rounds to an integer
        // and leaves n in the low mantissa bits.
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let exponentBits = shifted.bitPattern &- 0x4B40_0000
        // r = x − n ln 2 in two parts (Cody–Waite; Cephes C1, C2), |r| ≤ ln 2 / 2.
        let r = (x - n * 0.693_359_375) + n * 2.121_944_4e-4
        let r2 = r * r
        var p: Float = 1.987_569_150_0e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let er = p * r2 + r + 1
        // er · 2ⁿ by adding n to the exponent field (n ∈ [−124, 127], so no overflow).
        return Float(bitPattern: er.bitPattern &+ (exponentBits &<< 23))
    }

    /// The logistic sigmoid σ(x) = 1 / (1 + e^{−x}).
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }

    /// The hyperbolic tangent.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let a = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
        // Large |x|: (1 − e^{−2|x|}) / (1 + e^{−2|x|}).
        let e = exp(-2 * a)
        let large = (1 - e) / (1 + e)
        // Small |x|: x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925
        // (truncation error < 1e−9 relative for |x| < 0.3).
        let a2 = a * a
        var s: Float = -8.863_235_529_902_196e-3
        s = s * a2 + 2.186_948_853_615_520_3e-2
        s = s * a2 - 5.396_825_396_825_397e-2
        s = s * a2 + 1.333_333_333_333_333_3e-1
        s = s * a2 - 3.333_333_333_333_333_3e-1
        let small = a + a * a2 * s
        let magnitude = a < 0.3 ? small : large
        return Float(bitPattern: magnitude.bitPattern | (x.bitPattern & 0x8000_0000))
    }
}
