import Foundation
import RecurrentNetwork
import TextPipeline

/// Loss and predictions of a model on encoded items, dropout off, with the fast
/// ``InferenceEngine`` (masked padding: an item's result does not depend on its batch).
public struct ModelEvaluator: Sendable {
    /// The engine built from the parameters.
    let engine: InferenceEngine
    let collator: PaddingCollator
    /// Items per engine call.
    public let batchSize: Int

    /// The result of an evaluation.
    public struct Result: Sendable, Equatable {
        /// Mean cross-entropy (nats) over the items.
        public var loss: Double
        /// Predicted class ids, in input order.
        public var predictions: [Int]
        /// Fraction of predictions equal to the labels.
        public var accuracy: Double
        /// Row-major `[items, classes]` logits (no temperature), for calibration.
        public var logits: [Float]
    }

    /// An evaluator for `parameters`, padding batches with `specialTokens.pad`.
    /// - Throws: ``TrainingError`` `.numerics` if the engine refuses the parameters.
    public init(
        parameters: ModelParameters, specialTokens: SpecialTokens = .standard, batchSize: Int = 256
    ) throws(TrainingError) {
        let tensors = Dictionary(uniqueKeysWithValues: parameters.namedTensors.map { ($0.name, $0.tensor) })
        do {
            engine = try InferenceEngine(architecture: parameters.architecture, parameters: tensors)
        } catch {
            throw TrainingError(.numerics("\(error)"))
        }
        collator = PaddingCollator(paddingID: specialTokens.pad)
        self.batchSize = max(1, batchSize)
    }

    /// Evaluates `items` against `labels` (same count; class ids).
    /// - Throws: ``TrainingError`` `.numerics` for an item the engine refuses.
    public func evaluate(_ items: [EncodedText], labels: [Int]) throws(TrainingError) -> Result {
        let classCount = engine.architecture.numClasses
        var lossSum = 0.0
        var predictions: [Int] = []
        predictions.reserveCapacity(items.count)
        var allLogits: [Float] = []
        allLogits.reserveCapacity(items.count * classCount)
        var start = 0
        while start < items.count {
            let end = min(start + batchSize, items.count)
            let batch = collator.collate(Array(items[start..<end]))
            let logits: Tensor
            do {
                logits = try engine.logits(ids: batch.ids, lengths: batch.lengths, time: batch.time)
            } catch {
                throw TrainingError(.numerics("\(error)"))
            }
            allLogits += logits.values
            for item in 0..<(end - start) {
                let row = Array(logits.values[(item * classCount)..<((item + 1) * classCount)])
                let top = row.max()!
                let logSum = Double(top) + log(row.reduce(0.0) { $0 + exp(Double($1 - top)) })
                lossSum += logSum - Double(row[labels[start + item]])
                var best = 0
                for c in 1..<classCount where row[c] > row[best] { best = c }
                predictions.append(best)
            }
            start = end
        }
        let correct = zip(predictions, labels).filter { $0 == $1 }.count
        return Result(
            loss: items.isEmpty ? 0 : lossSum / Double(items.count), predictions: predictions,
            accuracy: items.isEmpty ? 0 : Double(correct) / Double(items.count), logits: allLogits)
    }
}
