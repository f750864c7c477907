/// A refused abstain setting; the message names the key and the value.
public enum AbstainPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A threshold that is not a probability strictly between 0 and 1.
    case thresholdOutOfRange(key: String, value: String)
    /// A per-label entry that is not `Label=p`.
    case malformedPerLabel(key: String, entry: String)
    /// A per-label entry naming a label the model does not have.
    case unknownLabel(key: String, label: String, labels: [String])

    /// The setting the error is about (`abstain_below`, `abstain_below_per_label.<label>`, …).
    public var key: String {
        switch self {
        case .thresholdOutOfRange(let key, _), .malformedPerLabel(let key, _), .unknownLabel(let key, _, _): key
        }
    }

    /// What is wrong, without the key.
    public var problem: String {
        switch self {
        case .thresholdOutOfRange(_, let value):
            "\(value) is not a probability strictly between 0 and 1"
        case .malformedPerLabel(_, let entry):
            "\"\(entry)\" is not Label=probability (pairs separated by commas, each label once)"
        case .unknownLabel(_, let label, let labels):
            "\"\(label)\" is not a label of the model (its labels: \(labels.joined(separator: ", ")))"
        }
    }

    /// `key: problem`.
    public var description: String { "\(key): \(problem)" }
}
