import Foundation
import TextPipeline

/// Accuracy and confusion matrix of predictions against true labels.
public struct Evaluation: Sendable, Equatable {
    /// `confusion[trueClass][predictedClass]` = count.
    public let confusion: [[Int]]
    /// Per-item correctness, in input order.
    public let correct: [Bool]

    /// - Parameters:
    ///   - labels: the true class ids.
    ///   - predictions: the predicted class ids, same count and order.
    ///   - classCount: the number of classes.
    /// - Precondition: equal counts, ids in `0..<classCount`.
    public init(labels: [Int], predictions: [Int], classCount: Int) {
        precondition(labels.count == predictions.count, "\(labels.count) labels for \(predictions.count) predictions")
        var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (label, prediction) in zip(labels, predictions) { confusion[label][prediction] += 1 }
        self.confusion = confusion
        self.correct = zip(labels, predictions).map { $0 == $1 }
    }

    /// Items evaluated.
    public var count: Int { correct.count }

    /// Fraction correct over all items (0 when there are none).
    public var accuracy: Double {
        count == 0 ? 0 : Double(correct.lazy.filter { $0 }.count) / Double(count)
    }

    /// Fraction correct over a sample of rows, counting repeated draws each time (the notebook's
    /// rule); `nil` when an index is out of range.
    public func accuracy(on sample: EvaluationSample) -> Double? {
        guard !sample.indices.isEmpty, sample.indices.allSatisfy({ $0 >= 0 && $0 < count }) else { return nil }
        return Double(sample.indices.lazy.filter { correct[$0] }.count) / Double(sample.indices.count)
    }

    /// The confusion matrix as a text table (rows: true class, columns: predicted), with each
    /// class's recall.
    public func confusionTable(labels: [String]) -> String {
        let width = max(8, (labels.map(\.count).max() ?? 0) + 1)
        func cell(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = [cell("true\\pred") + labels.map(cell).joined() + cell("recall")]
        for (c, row) in confusion.enumerated() {
            let total = row.reduce(0, +)
            let recall = total == 0 ? "-" : String(format: "%.4f", Double(row[c]) / Double(total))
            lines.append(cell(labels[c]) + row.map { cell(String($0)) }.joined() + cell(recall))
        }
        return lines.joined(separator: "\n")
    }
}
