/// The agreement between the served model's labels and the shadow model's on the same inputs
/// (a confusion matrix of served × shadow label names), counted since the shadow model loaded.
///
/// Only inputs both models labelled count; an input that was a dead letter for either model is
/// not compared (the worker counts the shadow's failures apart).
public struct ShadowAgreement: Sendable, Equatable {
    /// A (served label, shadow label) pair.
    public struct Pair: Sendable, Hashable, Comparable {
        /// The label the worker published.
        public var served: String
        /// The label the shadow model gave.
        public var shadow: String

        public init(served: String, shadow: String) {
            self.served = served
            self.shadow = shadow
        }

        public static func < (lhs: Pair, rhs: Pair) -> Bool {
            (lhs.served, lhs.shadow) < (rhs.served, rhs.shadow)
        }
    }

    /// Inputs counted per pair.
    public private(set) var counts: [Pair: Int] = [:]
    /// Inputs both models labelled.
    public private(set) var compared = 0
    /// Inputs both models gave the same label.
    public private(set) var agreed = 0

    public init() {}

    /// `agreed / compared`, or `nil` before the first comparison.
    public var ratio: Double? { compared == 0 ? nil : Double(agreed) / Double(compared) }

    /// Counts one batch.
    ///
    /// - Parameters:
    ///   - served: per input, the label published (`nil`: a dead letter).
    ///   - shadow: per input, in the same order, the shadow's label (`nil`: none).
    /// - Returns: this batch's counts per pair (for the per-pair counters).
    /// - Precondition: `served.count == shadow.count`.
    @discardableResult
    public mutating func add(served: [String?], shadow: [String?]) -> [Pair: Int] {
        precondition(served.count == shadow.count, "one shadow label per served label")
        var batch: [Pair: Int] = [:]
        for (served, shadow) in zip(served, shadow) {
            guard let served, let shadow else { continue }
            batch[Pair(served: served, shadow: shadow), default: 0] += 1
            compared += 1
            if served == shadow { agreed += 1 }
        }
        counts.merge(batch, uniquingKeysWith: +)
        return batch
    }
}
