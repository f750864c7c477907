import Foundation

/// A classifier's logits for labelled items: what temperature scaling is fitted on and what the
/// calibration metrics are computed from.
public struct LabelledLogits: Sendable, Equatable {
    /// Row-major `[count, classCount]` logits (before softmax, no temperature applied).
    public let logits: [Float]
    /// Each item's true class id, `0 ..< classCount`.
    public let labels: [Int]
    /// The number of classes.
    public let classCount: Int

    /// Checks and keeps the logits and labels.
    /// - Parameters:
    ///   - logits: row-major `[labels.count, classCount]`, finite.
    ///   - labels: the true class ids.
    ///   - classCount: at least 2.
    /// - Throws: ``CalibrationError``: no items, too few classes, a count mismatch, a label out
    ///   of range, a non-finite logit (naming the item).
    public init(logits: [Float], labels: [Int], classCount: Int) throws(CalibrationError) {
        guard classCount >= 2 else { throw CalibrationError(.tooFewClasses(classCount)) }
        guard !labels.isEmpty else { throw CalibrationError(.empty) }
        guard logits.count == labels.count * classCount else {
            throw CalibrationError(.countMismatch(logits: logits.count, labels: labels.count, classCount: classCount))
        }
        if let item = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw CalibrationError(.labelOutOfRange(item: item, label: labels[item], classCount: classCount))
        }
        if let index = logits.firstIndex(where: { !$0.isFinite }) {
            throw CalibrationError(.nonFiniteLogit(item: index / classCount))
        }
        self.logits = logits
        self.labels = labels
        self.classCount = classCount
    }

    /// Items.
    public var count: Int { labels.count }

    /// Item `item`'s logits, `classCount` of them.
    func row(_ item: Int) -> ArraySlice<Float> {
        logits[(item * classCount)..<((item + 1) * classCount)]
    }

    /// `softmax(logits / temperature)` row-major `[count, classCount]`, in `Double`.
    /// - Precondition: `temperature` is finite and greater than 0.
    public func probabilities(temperature: Double) -> [Double] {
        precondition(temperature.isFinite && temperature > 0, "temperature \(temperature)")
        var result = [Double](repeating: 0, count: logits.count)
        for item in 0..<count {
            let row = self.row(item)
            let top = Double(row.max()!)
            var sum = 0.0
            for (c, z) in row.enumerated() {
                let e = Foundation.exp((Double(z) - top) / temperature)
                result[item * classCount + c] = e
                sum += e
            }
            for c in 0..<classCount { result[item * classCount + c] /= sum }
        }
        return result
    }

    /// The mean negative log-likelihood (nats) of the true labels under
    /// `softmax(logits / temperature)`: `mean_i [logsumexp(z_i / T) − z_{i,y_i} / T]`, computed
    /// in `Double` with the row maximum subtracted.
    /// - Precondition: `temperature` is finite and greater than 0.
    public func negativeLogLikelihood(temperature: Double) -> Double {
        precondition(temperature.isFinite && temperature > 0, "temperature \(temperature)")
        var total = 0.0
        for item in 0..<count {
            let row = self.row(item)
            let top = Double(row.max()!)
            var sum = 0.0
            for z in row { sum += Foundation.exp((Double(z) - top) / temperature) }
            total += Foundation.log(sum) - (Double(row[row.startIndex + labels[item]]) - top) / temperature
        }
        return total / Double(count)
    }
}
