import Foundation

/// How well a classifier's confidence matches its accuracy on labelled items: the expected
/// calibration error (ECE) over equal-width confidence bins, the negative log-likelihood (NLL),
/// and the bins themselves (the reliability diagram).
///
/// The confidence of an item is its top probability, `max_c p_c`; its prediction is that class
/// (the lowest id on a tie). As in Guo et al. 2017 ("On Calibration of Modern Neural Networks",
/// §2, eq. 3), the confidences are put into M = 15 equal-width bins `B_m = ((m−1)/M, m/M]`
/// (m = 1…M; a confidence of exactly 0 goes into the first), and
///
/// `ECE = Σ_m |B_m| / n · |acc(B_m) − conf(B_m)|`,
///
/// with `acc(B_m)` the fraction of its items predicted correctly and `conf(B_m)` their mean
/// confidence. 0 is perfectly calibrated; it is a fraction, like accuracy. The NLL is the mean of
/// `−log p_{y_i}` (nats), the cross-entropy of the true labels.
public struct CalibrationMetrics: Sendable, Equatable {
    /// The number of equal-width confidence bins of the ECE: 15, as in Guo et al. 2017.
    public static let standardBinCount = 15

    /// One confidence bin `(lowerBound, upperBound]`.
    public struct Bin: Sendable, Equatable {
        /// The bin's confidence range `(lowerBound, upperBound]`.
        public var lowerBound: Double
        public var upperBound: Double
        /// Items whose confidence falls in the bin.
        public var count: Int
        /// Their mean confidence (0 for an empty bin).
        public var meanConfidence: Double
        /// The fraction of them predicted correctly (0 for an empty bin).
        public var accuracy: Double
    }

    /// Items evaluated.
    public let count: Int
    /// Fraction predicted correctly.
    public let accuracy: Double
    /// Expected calibration error over ``bins`` (a fraction in [0, 1]).
    public let expectedCalibrationError: Double
    /// Mean negative log-likelihood of the true labels (nats).
    public let negativeLogLikelihood: Double
    /// Mean confidence over all items.
    public let meanConfidence: Double
    /// The equal-width bins from 0 to 1, in order.
    public let bins: [Bin]

    /// Metrics from each item's confidence, correctness and probability of its true class.
    /// - Parameters:
    ///   - confidences: each item's top probability, in [0, 1].
    ///   - correct: whether the top class is the true one; same count.
    ///   - trueClassLogProbabilities: each item's `log p_{y_i}` (≤ 0); same count.
    ///   - binCount: the number of equal-width bins (default 15).
    /// - Precondition: equal counts, `binCount ≥ 1`.
    public init(confidences: [Double], correct: [Bool], trueClassLogProbabilities: [Double], binCount: Int = standardBinCount) {
        precondition(confidences.count == correct.count && correct.count == trueClassLogProbabilities.count, "unequal counts")
        precondition(binCount >= 1, "binCount \(binCount)")
        let n = confidences.count
        var counts = [Int](repeating: 0, count: binCount)
        var confidenceSums = [Double](repeating: 0, count: binCount)
        var correctCounts = [Int](repeating: 0, count: binCount)
        for (confidence, isCorrect) in zip(confidences, correct) {
            let bin = Self.binIndex(confidence: confidence, binCount: binCount)
            counts[bin] += 1
            confidenceSums[bin] += confidence
            if isCorrect { correctCounts[bin] += 1 }
        }
        var bins: [Bin] = []
        var ece = 0.0
        for m in 0..<binCount {
            let size = counts[m]
            let meanConfidence = size == 0 ? 0 : confidenceSums[m] / Double(size)
            let accuracy = size == 0 ? 0 : Double(correctCounts[m]) / Double(size)
            bins.append(Bin(
                lowerBound: Double(m) / Double(binCount), upperBound: Double(m + 1) / Double(binCount), count: size,
                meanConfidence: meanConfidence, accuracy: accuracy))
            if n > 0 { ece += Double(size) / Double(n) * abs(accuracy - meanConfidence) }
        }
        self.count = n
        self.bins = bins
        self.expectedCalibrationError = ece
        self.accuracy = n == 0 ? 0 : Double(correct.lazy.filter { $0 }.count) / Double(n)
        self.meanConfidence = n == 0 ? 0 : confidences.reduce(0, +) / Double(n)
        self.negativeLogLikelihood = n == 0 ? 0 : -trueClassLogProbabilities.reduce(0, +) / Double(n)
    }

    /// Metrics of `softmax(logits / temperature)`; the NLL is computed from the logits
    /// (log-sum-exp in `Double`), so it is exact even where a probability underflows.
    /// - Parameters:
    ///   - data: logits and labels.
    ///   - temperature: T > 0 (1: no calibration).
    ///   - binCount: the number of equal-width bins (default 15).
    public init(_ data: LabelledLogits, temperature: Double = 1, binCount: Int = standardBinCount) {
        let probabilities = data.probabilities(temperature: temperature)
        let classes = data.classCount
        var confidences: [Double] = []
        var correct: [Bool] = []
        var logProbabilities: [Double] = []
        for item in 0..<data.count {
            let row = probabilities[(item * classes)..<((item + 1) * classes)]
            let best = Self.argmax(row)
            confidences.append(row[row.startIndex + best])
            correct.append(best == data.labels[item])
            let logits = data.row(item)
            let top = Double(logits.max()!)
            let logSum = Foundation.log(logits.reduce(0.0) { $0 + Foundation.exp((Double($1) - top) / temperature) })
            logProbabilities.append((Double(logits[logits.startIndex + data.labels[item]]) - top) / temperature - logSum)
        }
        self.init(confidences: confidences, correct: correct, trueClassLogProbabilities: logProbabilities, binCount: binCount)
    }

    /// Metrics of a classifier's predictions (its probabilities as served, temperature applied).
    /// A true-class probability that underflowed to 0 counts as the smallest positive `Float`
    /// (`−log` ≈ 103.3 nats) so that the NLL stays finite.
    /// - Parameters:
    ///   - predictions: the classifier's answers.
    ///   - labels: the true class ids, same count and order.
    ///   - binCount: the number of equal-width bins (default 15).
    /// - Precondition: equal counts; labels index the probabilities.
    public init(predictions: [Prediction], labels: [Int], binCount: Int = standardBinCount) {
        precondition(predictions.count == labels.count, "\(predictions.count) predictions for \(labels.count) labels")
        let floor = Double(Float.leastNonzeroMagnitude)
        self.init(
            confidences: predictions.map { Double($0.probabilities[$0.labelID]) },
            correct: zip(predictions, labels).map { $0.labelID == $1 },
            trueClassLogProbabilities: zip(predictions, labels).map { Foundation.log(max(Double($0.probabilities[$1]), floor)) },
            binCount: binCount)
    }

    /// The 0-based bin of a confidence: `⌈confidence · M⌉ − 1`, clamped to `0 ..< M`, so bin m
    /// holds `(m/M, (m+1)/M]`.
    public static func binIndex(confidence: Double, binCount: Int) -> Int {
        let index = Int((confidence * Double(binCount)).rounded(.up)) - 1
        return min(max(index, 0), binCount - 1)
    }

    /// The index of the largest value, the lowest on a tie.
    static func argmax(_ row: ArraySlice<Double>) -> Int {
        var best = row.startIndex
        for c in row.indices where row[c] > row[best] { best = c }
        return best - row.startIndex
    }
}
