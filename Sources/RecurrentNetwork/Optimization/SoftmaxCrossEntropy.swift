import Foundation

/// Softmax and the mean cross-entropy loss over a batch (PyTorch `F.softmax` and
/// `nn.CrossEntropyLoss(reduction="mean")` without weights or label smoothing).
///
/// `loss = (1/B) Σ_b [log Σ_c exp(logits[b,c]) − logits[b, label_b]]`, evaluated with the maximum
/// subtracted and summed in `Double`; its gradient is `(softmax(logits) − onehot(label)) / B`.
public enum SoftmaxCrossEntropy {
    /// Row-wise softmax of `logits` `[batch, classes]` (row-major), same shape.
    public static func probabilities(logits: [Float], classCount: Int) -> [Float] {
        var result = [Float](repeating: 0, count: logits.count)
        for start in stride(from: 0, to: logits.count, by: classCount) {
            let row = logits[start..<(start + classCount)]
            let top = Double(row.max() ?? 0)
            var sum = 0.0
            for c in 0..<classCount { sum += exp(Double(logits[start + c]) - top) }
            for c in 0..<classCount { result[start + c] = Float(exp(Double(logits[start + c]) - top) / sum) }
        }
        return result
    }

    /// The mean cross-entropy of `logits` `[batch, classes]` against class indices.
    /// - Throws: ``ClassifierInputError`` when `labels` is not one valid class index per row.
    public static func loss(logits: [Float], labels: [Int], classCount: Int) throws(ClassifierInputError) -> Float {
        try validate(labels: labels, batchSize: logits.count / classCount, classCount: classCount)
        var total = 0.0
        for (b, label) in labels.enumerated() {
            let start = b * classCount
            let row = logits[start..<(start + classCount)]
            let top = Double(row.max() ?? 0)
            var sum = 0.0
            for c in 0..<classCount { sum += exp(Double(logits[start + c]) - top) }
            total += top + log(sum) - Double(logits[start + label])
        }
        return Float(total / Double(labels.count))
    }

    /// ∂loss/∂logits `[batch, classes]`: `(probabilities − onehot(labels)) / batch`.
    static func logitsGradient(probabilities: [Float], labels: [Int], classCount: Int) -> [Float] {
        var gradient = probabilities
        let scale = 1 / Float(labels.count)
        for (b, label) in labels.enumerated() {
            gradient[b * classCount + label] -= 1
        }
        for k in gradient.indices { gradient[k] *= scale }
        return gradient
    }

    /// Checks one class index `0 ..< classCount` per item.
    static func validate(labels: [Int], batchSize: Int, classCount: Int) throws(ClassifierInputError) {
        guard labels.count == batchSize else { throw .labelCountMismatch(labelCount: labels.count, batchSize: batchSize) }
        for (item, label) in labels.enumerated() where label < 0 || label >= classCount {
            throw .labelOutOfRange(item: item, label: label, classCount: classCount)
        }
    }
}
