/// The verdict of a ``PromotionPolicy`` on a comparison, and why.
public struct PromotionDecision: Sendable, Equatable {
    /// Whether the candidate may replace the current model.
    public enum Verdict: String, Sendable, Equatable {
        /// The candidate may replace the current model.
        case promote
        /// The candidate may not (a verdict, not an error).
        case refuse
    }

    /// The verdict.
    public var verdict: Verdict
    /// One sentence: the accuracies and their difference, the tolerance, the p-value and α.
    public var reason: String
    /// McNemar's exact one-sided p-value for "the candidate is worse".
    public var pValue: Double
    /// The policy that decided.
    public var policy: PromotionPolicy
}
