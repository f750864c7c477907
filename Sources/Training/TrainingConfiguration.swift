import Checkpoint
import Foundation
import RecurrentNetwork
import TextPipeline

/// Everything that decides what a training run computes: architecture, vocabulary rule, data
/// split, optimizer and schedule. Two runs with equal configurations, the same data and the same
/// thread count produce byte-identical `model.safetensors` files.
///
/// The defaults are the reference notebook's best run (DESIGN.md "The reference it grows from"):
/// GRU, 2 layers, E = H = 256, mean pooling, head dropout 0.1, vocabulary threshold 10,
/// `notebook-v1` preprocessing, items cut at 256 tokens, batch 32, Adam with learning rate 1e-3,
/// 5 epochs, evaluation every half epoch. Padding is always `masked`.
///
/// Encoded in `metrics.json` and in the resume state with snake_case keys.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// The recurrent cell.
    public var cell: ModelArchitecture.Cell = .gru
    /// Stacked recurrent layers (≥ 1).
    public var numLayers = 2
    /// Hidden size H of each recurrent direction.
    public var hiddenSize = 256
    /// Embedding width E.
    public var embeddingSize = 256
    /// Whether each layer also runs right to left.
    public var bidirectional = false
    /// Mean or max over the valid time steps.
    public var pooling: ModelArchitecture.Pooling = .mean
    /// Whether the pooled vector is concatenated with the last valid step's output.
    public var concatLast = false
    /// Dropout probability of the head, in [0, 1).
    public var dropout = 0.1
    /// Dropout between recurrent layers, in [0, 1).
    public var rnnDropout = 0.0
    /// A word enters the vocabulary when its count in the training portion is strictly greater.
    public var vocabularyThreshold = 10
    /// The text preprocessing.
    public var preprocessing: Preprocessing = .notebookV1
    /// Items are cut to this many ids, `<bos>` and `<eos>` included.
    public var maxLength = 256
    /// Items per optimizer step.
    public var batchSize = 32
    /// Passes over the training portion.
    public var epochs = 5
    /// Adam's learning rate (of the first epoch when ``learningRateDecay`` is set).
    public var learningRate = 1e-3
    /// Multiplies the learning rate by this factor after every epoch, in (0, 1]: epoch `e`
    /// (from 0) trains with `learningRate × decay^e`, PyTorch's `ExponentialLR(gamma=decay)`
    /// stepped once per epoch. `nil`: a constant learning rate (the notebook's).
    public var learningRateDecay: Double? = nil
    /// Largest global L2 norm of the gradients (PyTorch `clip_grad_norm_`); `nil`: no clipping.
    public var clipNorm: Double? = nil
    /// Seeds the split, the initial weights, the shuffles and the dropout masks.
    public var seed: UInt64 = 0
    /// Fraction of each class held out for validation (stratified), in (0, 1).
    public var validationFraction = 0.05
    /// Evaluate every this fraction of an epoch (and at every epoch's end), in (0, 1].
    public var evaluationInterval = 0.5
    /// Use only the first this many rows of the training file; `nil`: all.
    public var limit: Int? = nil
    /// Class names by id.
    public var labels: [String] = ["World", "Sports", "Business", "Sci/Tech"]

    /// The notebook's best configuration.
    public init() {}

    /// The learning rate of epoch `epoch` (counted from 0): `learningRate × decay^epoch`.
    public func learningRate(epoch: Int) -> Double {
        learningRate * pow(learningRateDecay ?? 1, Double(epoch))
    }

    /// The architecture of the model for a vocabulary of `vocabularySize` tokens.
    public func architecture(vocabularySize: Int) -> ModelArchitecture {
        ModelArchitecture(
            cell: cell, vocabSize: vocabularySize, embeddingSize: embeddingSize, hiddenSize: hiddenSize,
            numLayers: numLayers, bidirectional: bidirectional, pooling: pooling, concatLast: concatLast,
            dropout: dropout, rnnDropout: rnnDropout, padding: .masked, numClasses: labels.count)
    }

    /// The checkpoint configuration (`config.json`) of the model for a vocabulary of
    /// `vocabularySize` tokens with the standard special-token ids.
    public func modelConfiguration(vocabularySize: Int) -> ModelConfiguration {
        ModelConfiguration(
            architecture: architecture(vocabularySize: vocabularySize), labels: labels,
            preprocessing: preprocessing, maxLength: maxLength, specialTokens: .standard)
    }

    /// Checks every value's range.
    /// - Throws: ``TrainingError`` `.invalidConfiguration` naming the command-line option.
    public func validate() throws(TrainingError) {
        func fail(_ option: String, _ problem: String) -> TrainingError {
            TrainingError(.invalidConfiguration(option: option, problem: problem))
        }
        let positive: [(String, Int)] = [
            ("--layers", numLayers), ("--hidden-size", hiddenSize), ("--embedding-size", embeddingSize),
            ("--batch-size", batchSize), ("--epochs", epochs),
        ]
        for (option, value) in positive where value < 1 { throw fail(option, "is \(value), must be at least 1") }
        for (option, p) in [("--dropout", dropout), ("--rnn-dropout", rnnDropout)] where !(p >= 0 && p < 1) {
            throw fail(option, "is \(p), must be in [0, 1)")
        }
        if vocabularyThreshold < 0 { throw fail("--vocab-threshold", "is \(vocabularyThreshold), must be at least 0") }
        if maxLength < ModelConfiguration.minimumMaxLength {
            throw fail("--max-length", "is \(maxLength), must be at least \(ModelConfiguration.minimumMaxLength)")
        }
        if !(learningRate > 0 && learningRate.isFinite) { throw fail("--learning-rate", "is \(learningRate), must be positive") }
        if let learningRateDecay, !(learningRateDecay > 0 && learningRateDecay <= 1) {
            throw fail("--lr-decay", "is \(learningRateDecay), must be in (0, 1]")
        }
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) { throw fail("--clip-norm", "is \(clipNorm), must be positive") }
        if !(validationFraction > 0 && validationFraction < 1) {
            throw fail("--valid-fraction", "is \(validationFraction), must be in (0, 1)")
        }
        if !(evaluationInterval > 0 && evaluationInterval <= 1) {
            throw fail("--eval-every", "is \(evaluationInterval), must be in (0, 1]")
        }
        if let limit, limit < 1 { throw fail("--limit", "is \(limit), must be at least 1") }
        if labels.count < 2 { throw fail("labels", "need at least 2 classes") }
    }

    enum CodingKeys: String, CodingKey {
        case cell, pooling, dropout, bidirectional, preprocessing, epochs, seed, limit, labels
        case numLayers = "num_layers", hiddenSize = "hidden_size", embeddingSize = "embedding_size"
        case concatLast = "concat_last", rnnDropout = "rnn_dropout", vocabularyThreshold = "vocab_threshold"
        case maxLength = "max_length", batchSize = "batch_size", learningRate = "learning_rate"
        case learningRateDecay = "lr_decay"
        case clipNorm = "clip_norm", validationFraction = "valid_fraction", evaluationInterval = "eval_every"
    }
}
