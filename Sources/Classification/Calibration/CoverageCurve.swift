/// Selective classification: the accuracy when a classifier answers only its most confident
/// items and abstains on the rest, at every threshold.
///
/// Answering the items whose confidence (top probability) is at least a threshold t covers the
/// share `coverage(t) = |{i : conf_i ≥ t}| / n` of them, with the accuracy of those items
/// (the "risk–coverage" curve of Geifman and El-Yaniv, "Selective Classification for Deep Neural
/// Networks", NeurIPS 2017, as accuracy). This is the rule a consumer applies with a threshold:
/// an item below it is abstained on.
public struct CoverageCurve: Sendable, Equatable {
    /// One threshold: answering the items with confidence ≥ ``threshold``.
    public struct Point: Sendable, Equatable {
        /// The confidence threshold (one of the items' confidences).
        public var threshold: Double
        /// Items answered (confidence ≥ threshold).
        public var answered: Int
        /// Share of all items answered, in (0, 1].
        public var coverage: Double
        /// Fraction of the answered items predicted correctly.
        public var accuracy: Double
    }

    /// Items in all.
    public let count: Int
    /// One point per distinct confidence, from the highest threshold (fewest items answered) to
    /// the lowest (all items answered, coverage 1).
    public let points: [Point]
    /// The correctness of the items by falling confidence (ties in input order).
    let correctByConfidence: [Bool]

    /// The curve of items with these confidences and correctness.
    /// - Precondition: equal counts.
    public init(confidences: [Double], correct: [Bool]) {
        precondition(confidences.count == correct.count, "\(confidences.count) confidences for \(correct.count) items")
        let order = confidences.indices.sorted { confidences[$0] > confidences[$1] || (confidences[$0] == confidences[$1] && $0 < $1) }
        correctByConfidence = order.map { correct[$0] }
        count = confidences.count
        var points: [Point] = []
        var right = 0
        for (k, item) in order.enumerated() {
            if correct[item] { right += 1 }
            let isLastOfTies = k + 1 == order.count || confidences[order[k + 1]] != confidences[item]
            if isLastOfTies {
                points.append(Point(
                    threshold: confidences[item], answered: k + 1, coverage: Double(k + 1) / Double(count),
                    accuracy: Double(right) / Double(k + 1)))
            }
        }
        self.points = points
    }

    /// The curve of a classifier's predictions against the true labels.
    /// - Precondition: equal counts.
    public init(predictions: [Prediction], labels: [Int]) {
        precondition(predictions.count == labels.count, "\(predictions.count) predictions for \(labels.count) labels")
        self.init(
            confidences: predictions.map { Double($0.probabilities[$0.labelID]) },
            correct: zip(predictions, labels).map { $0.labelID == $1 })
    }

    /// The accuracy on the ⌈coverage · n⌉ most confident items (ties in confidence broken by
    /// input order); `nil` without items.
    /// - Parameter coverage: the share answered, in (0, 1].
    public func accuracy(atCoverage coverage: Double) -> Double? {
        guard count > 0 else { return nil }
        let answered = min(max(Int((coverage * Double(count) - 1e-9).rounded(.up)), 1), count)
        return Double(correctByConfidence[..<answered].lazy.filter { $0 }.count) / Double(answered)
    }

    /// The lowest threshold (so the largest coverage) whose answered items reach `accuracy`;
    /// `nil` when no threshold does (not even answering only the most confident items).
    /// - Parameter accuracy: the accuracy wanted, in (0, 1].
    public func point(reaching accuracy: Double) -> Point? {
        points.last { $0.accuracy >= accuracy }
    }
}
