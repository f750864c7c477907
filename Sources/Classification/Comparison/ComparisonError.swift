/// Why two classifiers cannot be compared on a set of labelled items.
public struct ComparisonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        /// The candidate's class names (`config.json` `labels`, in id order) are not the current
        /// model's: its predictions would mean other classes.
        case labelMismatch(current: [String], candidate: [String])
        /// There are no items.
        case empty
        /// The predictions or labels are not one per item (counts: labels, current, candidate).
        case countMismatch(labels: Int, current: Int, candidate: Int)
        /// The true label or a prediction of this item (0-based) is not a class id.
        case classOutOfRange(item: Int, value: Int, classCount: Int)
        /// A model failed to classify the items (which model, the classifier's message).
        case classification(model: String, message: String)
    }

    /// What is wrong.
    public var kind: Kind

    public init(_ kind: Kind) {
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .labelMismatch(let current, let candidate):
            "the candidate's labels \(Self.list(candidate)) do not match the current model's \(Self.list(current)) (same names in the same order are needed)"
        case .empty: "no items to compare on"
        case .countMismatch(let labels, let current, let candidate):
            "\(labels) labels, \(current) current predictions and \(candidate) candidate predictions: one each per item is needed"
        case .classOutOfRange(let item, let value, let classCount):
            "item \(item + 1) has class \(value), outside the class ids 0..<\(classCount)"
        case .classification(let model, let message): "\(model): \(message)"
        }
    }

    private static func list(_ labels: [String]) -> String {
        "[" + labels.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
