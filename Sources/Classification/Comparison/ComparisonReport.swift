import Foundation

/// The machine-readable report of a comparison and its verdict (`newsclf compare --json`), one
/// JSON object with stable snake_case keys, sorted:
///
/// | key | value |
/// | --- | --- |
/// | `time` | when the comparison was made, ISO 8601 UTC (`2026-12-04T10:20:30Z`) |
/// | `current_digest`, `candidate_digest` | the checkpoint digests (`sha256:…`) |
/// | `current_accuracy`, `candidate_accuracy` | in [0, 1] |
/// | `p_value` | McNemar's exact one-sided p-value for "the candidate is worse" |
/// | `verdict` | `"promote"` or `"refuse"` |
/// | `reason` | one sentence: accuracies, tolerance, p-value and α |
/// | `per_label_recall` | `[{"label", "count", "current", "candidate"}]` in class-id order (recall `null` for a class without items) |
/// | `agreement` | fraction of items both predict the same class for, in [0, 1] |
/// | `b`, `c` | discordant items: current right and candidate wrong; candidate right and current wrong |
/// | `n` | items compared |
/// | `alpha`, `tolerance_points` | the policy's level and tolerance (accuracy points) |
/// | `policy` | the policy in one sentence, the test named |
///
/// The retraining job logs these per decision.
public struct ComparisonReport: Encodable, Sendable, Equatable {
    /// One class's recall under both models.
    public struct LabelRecall: Encodable, Sendable, Equatable {
        /// The class name.
        public var label: String
        /// Items of the class.
        public var count: Int
        /// The current model's recall on them, in [0, 1]; `nil` (JSON `null`) without items.
        public var current: Double?
        /// The candidate's recall on them, in [0, 1]; `nil` (JSON `null`) without items.
        public var candidate: Double?

        enum CodingKeys: String, CodingKey { case label, count, current, candidate }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(label, forKey: .label)
            try container.encode(count, forKey: .count)
            // Explicit nulls: the key is always present.
            try container.encode(current, forKey: .current)
            try container.encode(candidate, forKey: .candidate)
        }
    }

    // The fields, as in the table above.
    /// `time`: ISO 8601 UTC.
    public var time: String
    /// `current_digest`.
    public var currentDigest: String
    /// `candidate_digest`.
    public var candidateDigest: String
    /// `current_accuracy`, in [0, 1].
    public var currentAccuracy: Double
    /// `candidate_accuracy`, in [0, 1].
    public var candidateAccuracy: Double
    /// `p_value`, McNemar's exact one-sided.
    public var pValue: Double
    /// `verdict`: `promote` or `refuse`.
    public var verdict: String
    /// `reason`.
    public var reason: String
    /// `per_label_recall`, in class-id order.
    public var perLabelRecall: [LabelRecall]
    /// `agreement`, in [0, 1].
    public var agreement: Double
    /// `b`: current right, candidate wrong.
    public var b: Int
    /// `c`: candidate right, current wrong.
    public var c: Int
    /// `n`: items compared.
    public var n: Int
    /// `alpha`.
    public var alpha: Double
    /// `tolerance_points`: percentage points.
    public var tolerancePoints: Double
    /// `policy`: the policy in one sentence.
    public var policy: String

    enum CodingKeys: String, CodingKey {
        case time, verdict, reason, agreement, b, c, n, alpha, policy
        case currentDigest = "current_digest"
        case candidateDigest = "candidate_digest"
        case currentAccuracy = "current_accuracy"
        case candidateAccuracy = "candidate_accuracy"
        case pValue = "p_value"
        case perLabelRecall = "per_label_recall"
        case tolerancePoints = "tolerance_points"
    }

    /// - Parameters:
    ///   - comparison: the paired predictions.
    ///   - decision: the policy's verdict on them.
    ///   - currentDigest, candidateDigest: the checkpoint digests (``TextClassifier/digest``).
    ///   - time: when the comparison was made.
    public init(
        comparison: ModelComparison, decision: PromotionDecision, currentDigest: String, candidateDigest: String,
        time: Date = Date()
    ) {
        self.time = Self.timestamp(time)
        self.currentDigest = currentDigest
        self.candidateDigest = candidateDigest
        self.currentAccuracy = comparison.currentAccuracy
        self.candidateAccuracy = comparison.candidateAccuracy
        self.pValue = decision.pValue
        self.verdict = decision.verdict.rawValue
        self.reason = decision.reason
        self.perLabelRecall = comparison.recall.map {
            LabelRecall(label: $0.label, count: $0.count, current: $0.current, candidate: $0.candidate)
        }
        self.agreement = comparison.agreement
        self.b = comparison.b
        self.c = comparison.c
        self.n = comparison.count
        self.alpha = decision.policy.alpha
        self.tolerancePoints = decision.policy.tolerancePoints
        self.policy = decision.policy.description
    }

    /// The report as pretty-printed JSON with sorted keys (UTF-8, no escaped slashes).
    /// - Throws: `EncodingError` only for a non-finite number (none of the values computed here is).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// `date` as ISO 8601 in UTC, whole seconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
