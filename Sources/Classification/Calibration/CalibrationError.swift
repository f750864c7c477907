/// Logits and labels that calibration cannot use.
public struct CalibrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        /// There are no items.
        case empty
        /// Fewer than two classes.
        case tooFewClasses(Int)
        /// The logits are not `labels × classCount` values.
        case countMismatch(logits: Int, labels: Int, classCount: Int)
        /// The label of this item (0-based) is not a class id.
        case labelOutOfRange(item: Int, label: Int, classCount: Int)
        /// This item (0-based) has a logit that is NaN or infinite.
        case nonFiniteLogit(item: Int)
    }

    /// What is wrong.
    public var kind: Kind

    public init(_ kind: Kind) {
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .empty: "no items to calibrate on"
        case .tooFewClasses(let count): "\(count) class(es), calibration needs at least 2"
        case .countMismatch(let logits, let labels, let classCount):
            "\(logits) logits for \(labels) labels of \(classCount) classes (needs \(labels * classCount))"
        case .labelOutOfRange(let item, let label, let classCount):
            "item \(item + 1) has label \(label), outside the class ids 0..<\(classCount)"
        case .nonFiniteLogit(let item): "item \(item + 1) has a logit that is not finite"
        }
    }
}
