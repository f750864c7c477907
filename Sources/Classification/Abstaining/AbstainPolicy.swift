import Foundation

/// When the classifier abstains: the documented rule behind `abstain_below` (DESIGN.md
/// "Model lifecycle", Confidence).
///
/// An item **abstains** when its top probability (the probability of ``Prediction/label``, as
/// served: softmax of the logits divided by the checkpoint's temperature) is strictly below the
/// threshold of that top label: its entry in ``perLabel`` when there is one, ``threshold``
/// otherwise. An abstained item keeps its label; the output says `"abstained": true`, so
/// consumers that ignore the key keep working, and a person can review it.
///
/// The threshold is best chosen on labelled data with `newsclf eval --target-accuracy A`, which
/// reports the confidence that reaches accuracy A and the share of items above it.
///
/// ``off`` (no threshold, no per-label entry) never abstains: outputs are then byte for byte what
/// they were before the feature existed.
public struct AbstainPolicy: Sendable, Equatable {
    /// The threshold of every label without its own entry (a probability in (0, 1)); `nil`: those
    /// labels never abstain.
    public var threshold: Float?
    /// Thresholds by label name (probabilities in (0, 1)), overriding ``threshold`` for that label.
    public var perLabel: [String: Float]

    /// A policy that never abstains.
    public static let off = AbstainPolicy()

    /// A policy with these thresholds, checked.
    /// - Parameters:
    ///   - threshold: the default threshold, in (0, 1); `nil` for none.
    ///   - perLabel: thresholds by label name, each in (0, 1).
    /// - Throws: ``AbstainPolicyError/thresholdOutOfRange(key:value:)`` naming `abstain_below` or
    ///   `abstain_below_per_label.<label>`.
    public init(threshold: Float? = nil, perLabel: [String: Float] = [:]) throws(AbstainPolicyError) {
        if let threshold { try Self.check(threshold, key: Self.thresholdKey) }
        for (label, value) in perLabel.sorted(by: { $0.key < $1.key }) {
            try Self.check(value, key: "\(Self.perLabelKey).\(label)")
        }
        self.threshold = threshold
        self.perLabel = perLabel
    }

    private init() {
        threshold = nil
        perLabel = [:]
    }

    /// The setting names the errors use.
    public static let thresholdKey = "abstain_below"
    /// The per-label setting's name.
    public static let perLabelKey = "abstain_below_per_label"

    /// Whether this policy can abstain at all.
    public var isOff: Bool { threshold == nil && perLabel.isEmpty }

    /// The threshold that applies to items whose top label is `label`; `nil`: they never abstain.
    public func threshold(for label: String) -> Float? {
        perLabel[label] ?? threshold
    }

    /// Whether `prediction` abstains: its top probability is below its top label's threshold.
    public func abstains(_ prediction: Prediction) -> Bool {
        guard let threshold = threshold(for: prediction.label),
            prediction.probabilities.indices.contains(prediction.labelID)
        else { return false }
        return prediction.probabilities[prediction.labelID] < threshold
    }

    /// Checks that every per-label entry names one of a model's labels.
    /// - Parameter labels: the model's class names by id (`config.json` `labels`).
    /// - Throws: ``AbstainPolicyError/unknownLabel(key:label:labels:)`` for the first (sorted)
    ///   entry that names none of them.
    public func validate(labels: [String]) throws(AbstainPolicyError) {
        for label in perLabel.keys.sorted() where !labels.contains(label) {
            throw .unknownLabel(key: Self.perLabelKey, label: label, labels: labels)
        }
    }

    /// Parses the text form of `abstain_below_per_label`: `Label=p` pairs separated by commas
    /// (`Business=0.7,Sci/Tech=0.6`; spaces around names and numbers are ignored; a label name
    /// cannot contain `,` or `=`). An empty text gives no entry.
    /// - Throws: ``AbstainPolicyError/malformedPerLabel(key:entry:)`` for a pair without `=`,
    ///   with an empty name, a name given twice or a value that is not a number;
    ///   ``AbstainPolicyError/thresholdOutOfRange(key:value:)`` for a value outside (0, 1).
    public static func parsePerLabel(_ text: String) throws(AbstainPolicyError) -> [String: Float] {
        var result: [String: Float] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = part.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            let pieces = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else { throw .malformedPerLabel(key: perLabelKey, entry: entry) }
            let label = pieces[0].trimmingCharacters(in: .whitespaces)
            let number = pieces[1].trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty, result[label] == nil, let value = Float(number) else {
                throw .malformedPerLabel(key: perLabelKey, entry: entry)
            }
            try check(value, key: "\(perLabelKey).\(label)", text: number)
            result[label] = value
        }
        return result
    }

    /// The text form ``parsePerLabel(_:)`` reads, labels sorted.
    public static func perLabelText(_ perLabel: [String: Float]) -> String {
        perLabel.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// - Parameter text: the value as given, for the message (default: `value` printed).
    private static func check(_ value: Float, key: String, text: String? = nil) throws(AbstainPolicyError) {
        guard value.isFinite, value > 0, value < 1 else {
            throw .thresholdOutOfRange(key: key, value: text ?? "\(value)")
        }
    }
}
