import TextPipeline

/// Two classifiers' predictions on the same labelled items, paired item by item: accuracies,
/// per-label recall, agreement, the discordant counts of McNemar's test, the items where the two
/// predict differently.
///
/// "Current" is the model in service, "candidate" the one that may replace it. Both predict
/// class ids of the same label list (``labels``); each model has tokenized and encoded the texts
/// with its own preprocessing and vocabulary (``compare(current:candidate:items:batchSize:)``).
public struct ModelComparison: Sendable, Equatable {
    /// One item on which the two models predict different classes.
    public struct Difference: Sendable, Equatable {
        /// The item's 0-based position in the compared items (for a file, its row − 1).
        public var item: Int
        /// The true class id.
        public var label: Int
        /// The current model's predicted class id.
        public var current: Int
        /// The candidate's predicted class id.
        public var candidate: Int

        public init(item: Int, label: Int, current: Int, candidate: Int) {
            self.item = item
            self.label = label
            self.current = current
            self.candidate = candidate
        }
    }

    /// One class's recall under both models.
    public struct LabelRecall: Sendable, Equatable {
        /// The class name.
        public var label: String
        /// Items of this class.
        public var count: Int
        /// Fraction of them the current model predicts correctly; `nil` when `count` is 0.
        public var current: Double?
        /// Fraction of them the candidate predicts correctly; `nil` when `count` is 0.
        public var candidate: Double?
    }

    /// The class names, by id (the same for both models).
    public let labels: [String]
    /// Items compared.
    public let count: Int
    /// Items the current model classifies correctly.
    public let currentCorrect: Int
    /// Items the candidate classifies correctly.
    public let candidateCorrect: Int
    /// Items on which both models predict the same class.
    public let agreeing: Int
    /// Discordant items the current model gets right and the candidate wrong (McNemar's `b`).
    public let b: Int
    /// Discordant items the candidate gets right and the current model wrong (McNemar's `c`).
    public let c: Int
    /// Each class's recall under both models, in class-id order.
    public let recall: [LabelRecall]
    /// The items where the two predictions differ (right/wrong or wrong/other-wrong), in item order.
    public let differences: [Difference]

    /// Pairs the predictions.
    /// - Parameters:
    ///   - labels: the true class ids, one per item.
    ///   - current: the current model's predicted class ids, same count and order.
    ///   - candidate: the candidate's predicted class ids, same count and order.
    ///   - labelNames: the class names; every id must be in `0..<labelNames.count`.
    /// - Throws: ``ComparisonError`` `.empty`, `.countMismatch`, `.classOutOfRange`.
    public init(labels: [Int], current: [Int], candidate: [Int], labelNames: [String]) throws(ComparisonError) {
        guard labels.count == current.count && labels.count == candidate.count else {
            throw ComparisonError(.countMismatch(labels: labels.count, current: current.count, candidate: candidate.count))
        }
        guard !labels.isEmpty else { throw ComparisonError(.empty) }
        let classCount = labelNames.count
        for (item, values) in zip(labels, zip(current, candidate)).enumerated() {
            for value in [values.0, values.1.0, values.1.1] where !(0..<classCount).contains(value) {
                throw ComparisonError(.classOutOfRange(item: item, value: value, classCount: classCount))
            }
        }
        var currentCorrect = 0, candidateCorrect = 0, agreeing = 0, b = 0, c = 0
        var perClass = Array(repeating: (count: 0, current: 0, candidate: 0), count: classCount)
        var differences: [Difference] = []
        for item in labels.indices {
            let label = labels[item], x = current[item], y = candidate[item]
            perClass[label].count += 1
            if x == label { currentCorrect += 1; perClass[label].current += 1 }
            if y == label { candidateCorrect += 1; perClass[label].candidate += 1 }
            if x == y {
                agreeing += 1
            } else {
                differences.append(Difference(item: item, label: label, current: x, candidate: y))
                if x == label { b += 1 } else if y == label { c += 1 }
            }
        }
        self.labels = labelNames
        self.count = labels.count
        self.currentCorrect = currentCorrect
        self.candidateCorrect = candidateCorrect
        self.agreeing = agreeing
        self.b = b
        self.c = c
        self.recall = zip(labelNames, perClass).map { name, tally in
            LabelRecall(
                label: name, count: tally.count,
                current: tally.count == 0 ? nil : Double(tally.current) / Double(tally.count),
                candidate: tally.count == 0 ? nil : Double(tally.candidate) / Double(tally.count))
        }
        self.differences = differences
    }

    /// Classifies `items` with both models, each with its own tokenizer, vocabulary and
    /// `max_length`, and pairs the results.
    /// - Parameters:
    ///   - current: the model in service.
    ///   - candidate: the model that may replace it; its `labels` must equal `current`'s, name for
    ///     name and in the same order.
    ///   - items: labelled items, class ids of those labels.
    ///   - batchSize: items per batch, consecutive in item order (matters only for models with the
    ///     notebook's padding semantics).
    /// - Throws: ``ComparisonError`` `.labelMismatch` (checked before any classification),
    ///   `.empty`, `.classOutOfRange`, `.classification`.
    public static func compare(
        current: TextClassifier, candidate: TextClassifier, items: [NewsItem], batchSize: Int = 32
    ) throws(ComparisonError) -> ModelComparison {
        try checkLabels(current: current.labels, candidate: candidate.labels)
        guard !items.isEmpty else { throw ComparisonError(.empty) }
        if let bad = items.firstIndex(where: { !(0..<current.labels.count).contains($0.label) }) {
            throw ComparisonError(.classOutOfRange(item: bad, value: items[bad].label, classCount: current.labels.count))
        }
        let texts = items.map(\.text)
        func predict(_ model: TextClassifier, _ role: String) throws(ComparisonError) -> [Int] {
            do {
                return try model.classify(texts: texts, batchSize: batchSize).map(\.labelID)
            } catch {
                throw ComparisonError(.classification(model: "\(role) \(model.name)", message: error.description))
            }
        }
        return try ModelComparison(
            labels: items.map(\.label), current: predict(current, "current"), candidate: predict(candidate, "candidate"),
            labelNames: current.labels)
    }

    /// Refuses a candidate whose class names differ from the current model's.
    /// - Throws: ``ComparisonError`` `.labelMismatch` naming both lists.
    public static func checkLabels(current: [String], candidate: [String]) throws(ComparisonError) {
        guard current == candidate else { throw ComparisonError(.labelMismatch(current: current, candidate: candidate)) }
    }

    /// The current model's accuracy, in [0, 1].
    public var currentAccuracy: Double { Double(currentCorrect) / Double(count) }
    /// The candidate's accuracy, in [0, 1].
    public var candidateAccuracy: Double { Double(candidateCorrect) / Double(count) }
    /// Candidate minus current accuracy in percentage points: `100 (c − b) / n`.
    public var accuracyDifferencePoints: Double { 100 * Double(candidateCorrect - currentCorrect) / Double(count) }
    /// Fraction of items on which the two predict the same class, in [0, 1].
    public var agreement: Double { Double(agreeing) / Double(count) }
    /// McNemar's exact test on `b` and `c`.
    public var mcNemar: McNemarExactTest { McNemarExactTest(b: b, c: c) }
}
