import Foundation

/// McNemar's exact test for paired classifications, one-sided: is the candidate worse than the
/// current model on the same items?
///
/// Only the discordant pairs carry evidence: `b` items the current model gets right and the
/// candidate wrong, `c` items the candidate gets right and the current model wrong. Under the
/// null hypothesis (equal accuracy) each discordant item is equally likely to fall either way, so
/// `b ~ Binomial(b + c, 1/2)`; the p-value for "the candidate is worse" is the upper tail
/// `P(X ≥ b | n = b + c, p = 1/2)` — SciPy's
/// `scipy.stats.binomtest(b, b + c, 0.5, alternative='greater').pvalue`. With no discordant pair
/// (`b + c = 0`) the p-value is 1.
///
/// The tail is summed term by term in log space: `log P(X = k) = lgamma(n + 1) − lgamma(k + 1) −
/// lgamma(n − k + 1) − n log 2`, combined with a log-sum-exp from the largest term, so no
/// binomial coefficient overflows; relative error about 1e-11 for `n` up to 10^4 (`lgamma`'s
/// rounding on values near 10^5), far below the 1e-9 the tests ask of it against SciPy. A p-value
/// below about 1e-308 underflows to 0.
///
/// Sources: Q. McNemar, "Note on the sampling error of the difference between correlated
/// proportions or percentages", Psychometrika 12(2):153–157, 1947; M. W. Fagerland, S. Lydersen
/// and P. Laake, "The McNemar test for binary matched-pairs data: mid-p and asymptotic are better
/// than exact conditional", BMC Medical Research Methodology 13:91, 2013 (the exact conditional
/// test used here is the conservative one of their comparison).
public struct McNemarExactTest: Sendable, Equatable {
    /// Items the current model gets right and the candidate wrong.
    public let b: Int
    /// Items the candidate gets right and the current model wrong.
    public let c: Int
    /// `P(X ≥ b)`, `X ~ Binomial(b + c, 1/2)`: the one-sided p-value for "the candidate is worse";
    /// in `[0, 1]`, 1 when `b + c = 0`.
    public let pValue: Double

    /// The test's name as the reports print it.
    public static let name = "McNemar's exact test, one-sided (candidate worse): P(X ≥ b), X ~ Binomial(b + c, 1/2)"

    /// - Parameters:
    ///   - b: discordant items the current model gets right (≥ 0).
    ///   - c: discordant items the candidate gets right (≥ 0).
    /// - Precondition: `b ≥ 0`, `c ≥ 0`.
    public init(b: Int, c: Int) {
        precondition(b >= 0 && c >= 0, "discordant counts must be non-negative, got b = \(b), c = \(c)")
        self.b = b
        self.c = c
        self.pValue = Self.upperTail(atLeast: b, trials: b + c)
    }

    /// Discordant items, `b + c`.
    public var discordant: Int { b + c }

    /// Whether the candidate is significantly worse at level `alpha`: `pValue < alpha`.
    public func rejects(at alpha: Double) -> Bool {
        pValue < alpha
    }

    /// `P(X ≥ k)` for `X ~ Binomial(n, 1/2)`, summed in log space.
    static func upperTail(atLeast k: Int, trials n: Int) -> Double {
        if k <= 0 { return 1 }
        if k > n { return 0 }
        let logTotal = lgamma(Double(n) + 1) - Double(n) * log(2.0)
        func logTerm(_ i: Int) -> Double {
            logTotal - lgamma(Double(i) + 1) - lgamma(Double(n - i) + 1)
        }
        // The terms rise to the mode `n / 2` and fall after it: the largest of k...n is at
        // max(k, ⌊n / 2⌋).
        let peak = logTerm(max(k, n / 2))
        var sum = 0.0
        for i in k...n {
            let relative = logTerm(i) - peak
            // Terms below e^-745 of the largest add nothing in double precision.
            if relative < -745 { if i > n / 2 { break } else { continue } }
            sum += exp(relative)
        }
        return min(1, exp(peak + log(sum)))
    }
}
