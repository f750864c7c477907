import Classification
import Foundation
import Testing

/// The promotion policy on synthetic paired predictions: the tolerance edge, a significant
/// deficit within the tolerance, the reasons.
@Suite struct PromotionPolicyTests {
    /// `n` items of class 0 of two classes: `b` the current model alone gets right, `c` the
    /// candidate alone, `bothRight` both, the rest both wrong.
    static func comparison(n: Int, b: Int, c: Int, bothRight: Int) throws -> ModelComparison {
        precondition(b + c + bothRight <= n)
        var current: [Int] = [], candidate: [Int] = []
        current += Array(repeating: 0, count: b); candidate += Array(repeating: 1, count: b)
        current += Array(repeating: 1, count: c); candidate += Array(repeating: 0, count: c)
        current += Array(repeating: 0, count: bothRight); candidate += Array(repeating: 0, count: bothRight)
        let rest = n - b - c - bothRight
        current += Array(repeating: 1, count: rest); candidate += Array(repeating: 1, count: rest)
        return try ModelComparison(
            labels: Array(repeating: 0, count: n), current: current, candidate: candidate, labelNames: ["A", "B"])
    }

    @Test func defaultsAreIssue15s() {
        #expect(PromotionPolicy.standard.tolerancePoints == 0.3)
        #expect(PromotionPolicy.standard.alpha == 0.05)
        #expect(PromotionPolicy.standard.description.contains("McNemar's exact test, one-sided"))
    }

    /// 1,000 items, current 900 right: a deficit of exactly 0.3 points (3 items, p = 0.125)
    /// promotes; 0.4 points (4 items, p = 0.0625, still not significant) refuses on the tolerance.
    @Test func aDeficitOfExactlyTheTolerancePromotesOneItemMoreRefuses() throws {
        let edge = try Self.comparison(n: 1000, b: 3, c: 0, bothRight: 897)
        #expect(edge.currentAccuracy == 0.9 && edge.candidateAccuracy == 0.897)
        #expect(abs(edge.accuracyDifferencePoints + 0.3) < 1e-12)
        let promoted = PromotionPolicy.standard.decide(edge)
        #expect(promoted.verdict == .promote, "\(promoted.reason)")
        #expect(abs(promoted.pValue - 0.125) < 1e-12)
        #expect(promoted.reason.contains("within the tolerance of 0.3 points"))

        let beyond = try Self.comparison(n: 1000, b: 4, c: 0, bothRight: 896)
        let refused = PromotionPolicy.standard.decide(beyond)
        #expect(refused.verdict == .refuse)
        #expect(abs(refused.pValue - 0.0625) < 1e-12)
        #expect(refused.reason.contains("more than the tolerance of 0.3 points below"), "\(refused.reason)")
        #expect(refused.reason.contains("not significantly worse"))
        // A wider tolerance lets it through.
        #expect(PromotionPolicy(tolerancePoints: 0.4, alpha: 0.05).decide(beyond).verdict == .promote)
    }

    /// 100,000 items, b = 600, c = 540: the candidate is 0.06 points worse, well within the
    /// tolerance, but the discordant pairs split significantly against it (p = 0.0403): refused at
    /// α = 0.05, promoted at α = 0.01.
    @Test func aSignificantDeficitWithinTheToleranceRefuses() throws {
        let comparison = try Self.comparison(n: 100_000, b: 600, c: 540, bothRight: 90_000)
        #expect(abs(comparison.accuracyDifferencePoints + 0.06) < 1e-9)
        let decision = PromotionPolicy.standard.decide(comparison)
        #expect(decision.verdict == .refuse)
        #expect(abs(decision.pValue - 0.040258719353969095) < 1e-12)
        #expect(decision.reason.hasPrefix("candidate accuracy 90.54 % vs current 90.60 % (-0.06 points), within the tolerance"), "\(decision.reason)")
        #expect(decision.reason.contains("significantly worse: McNemar exact one-sided p = 0.04026 (b = 600, c = 540) < α = 0.05"), "\(decision.reason)")
        #expect(PromotionPolicy(tolerancePoints: 0.3, alpha: 0.01).decide(comparison).verdict == .promote)
    }

    @Test func aBetterCandidatePromotesAndBothFailuresAreNamed() throws {
        let better = PromotionPolicy.standard.decide(try Self.comparison(n: 1000, b: 5, c: 25, bothRight: 850))
        #expect(better.verdict == .promote)
        #expect(better.reason.contains("(+2.00 points), not below"), "\(better.reason)")

        let worse = PromotionPolicy.standard.decide(try Self.comparison(n: 1000, b: 25, c: 5, bothRight: 850))
        #expect(worse.verdict == .refuse)
        #expect(worse.reason.contains("more than the tolerance"))
        #expect(worse.reason.contains("; significantly worse"), "\(worse.reason)")
    }

    /// With a zero tolerance any deficit refuses, however insignificant; equal accuracy promotes.
    @Test func zeroTolerance() throws {
        let strict = PromotionPolicy(tolerancePoints: 0, alpha: 0.05)
        #expect(strict.decide(try Self.comparison(n: 1000, b: 1, c: 0, bothRight: 900)).verdict == .refuse)
        #expect(strict.decide(try Self.comparison(n: 1000, b: 7, c: 7, bothRight: 900)).verdict == .promote)
    }
}
