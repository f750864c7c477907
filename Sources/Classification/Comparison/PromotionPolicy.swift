import Foundation

/// When a candidate model may replace the current one, judged on paired predictions
/// (``ModelComparison``).
///
/// Promote when both hold, refuse otherwise:
/// 1. the candidate's accuracy is not below the current model's by more than ``tolerancePoints``
///    percentage points: `100 (c − b) / n ≥ −tolerance` (compared with a 1e-9-point allowance
///    for rounding, so a deficit of exactly the tolerance promotes);
/// 2. the candidate is not significantly worse: McNemar's exact one-sided p-value
///    (``McNemarExactTest``) is not below ``alpha``.
///
/// The tolerance lets a candidate that is a little worse on this data (noise) through; the test
/// stops one whose deficit within the tolerance is nevertheless systematic (a large evaluation
/// set). Defaults: 0.3 points, α = 0.05 (issue 15).
public struct PromotionPolicy: Sendable, Equatable {
    /// The largest accuracy deficit accepted, in percentage points (0.3 = 0.3 %), ≥ 0.
    public var tolerancePoints: Double
    /// The significance level of the one-sided test, in (0, 1).
    public var alpha: Double

    /// The defaults: 0.3 points, α = 0.05.
    public static let standard = PromotionPolicy(tolerancePoints: 0.3, alpha: 0.05)

    /// - Precondition: `tolerancePoints ≥ 0` (finite), `0 < alpha < 1`.
    public init(tolerancePoints: Double, alpha: Double) {
        precondition(tolerancePoints >= 0 && tolerancePoints.isFinite, "tolerance must be ≥ 0 points, got \(tolerancePoints)")
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1), got \(alpha)")
        self.tolerancePoints = tolerancePoints
        self.alpha = alpha
    }

    /// The policy in one sentence, for reports and logs.
    public var description: String {
        "promote when the candidate's accuracy is not more than \(Self.format(tolerancePoints)) points below the current model's "
            + "and the candidate is not significantly worse (\(McNemarExactTest.name), p ≥ α = \(Self.format(alpha))); refuse otherwise"
    }

    /// The verdict on a comparison, with its reason.
    public func decide(_ comparison: ModelComparison) -> PromotionDecision {
        let test = comparison.mcNemar
        let difference = comparison.accuracyDifferencePoints
        let tooMuchWorse = difference < -tolerancePoints - 1e-9
        let significant = test.rejects(at: alpha)
        let accuracies = "candidate accuracy \(Self.percent(comparison.candidateAccuracy)) vs current \(Self.percent(comparison.currentAccuracy)) (\(Self.signed(difference)) points)"
        let tolerance =
            tooMuchWorse ? "more than the tolerance of \(Self.format(tolerancePoints)) points below"
            : difference < 0 ? "within the tolerance of \(Self.format(tolerancePoints)) points"
            : "not below"
        let testText = "McNemar exact one-sided p = \(Self.format(test.pValue)) (b = \(test.b), c = \(test.c))"
        let significance = significant
            ? "significantly worse: \(testText) < α = \(Self.format(alpha))"
            : "not significantly worse: \(testText) ≥ α = \(Self.format(alpha))"
        let verdict: PromotionDecision.Verdict = tooMuchWorse || significant ? .refuse : .promote
        let reason = "\(accuracies), \(tolerance); \(significance)"
        return PromotionDecision(verdict: verdict, reason: reason, pValue: test.pValue, policy: self)
    }

    static func percent(_ fraction: Double) -> String {
        String(format: "%.2f %%", 100 * fraction)
    }

    static func signed(_ points: Double) -> String {
        String(format: "%+.2f", points)
    }

    /// A number with up to 4 significant digits (`0.05`, `0.3`, `1.234e-05`).
    static func format(_ value: Double) -> String {
        String(format: "%.4g", value)
    }
}
