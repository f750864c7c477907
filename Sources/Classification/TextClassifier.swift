import Foundation
import Checkpoint
import RecurrentNetwork
import TextPipeline

/// A checkpoint ready to classify text: its tokenizer (the preprocessing in `config.json`), its
/// vocabulary, the padding collator and the inference engine.
///
/// Immutable and `Sendable`; several threads may classify at once. Text in, ``Prediction`` out:
/// `text → tokens → [<bos>] + ids + [<eos>]` (cut at `max_length`) → padded batch
/// `[batch, time]` → logits `[batch, classes]` → softmax of the logits divided by the
/// checkpoint's `temperature` (``ModelConfiguration/temperature``).
public struct TextClassifier: Sendable {
    /// The checkpoint's directory name (e.g. `agnews-gru`), reported in output messages.
    public let name: String
    /// The checkpoint digest (``Checkpoint/digest``: weights, `config.json` and `vocab.txt`).
    public let digest: String
    /// The architecture and preprocessing.
    public let configuration: ModelConfiguration
    /// Class names by id.
    public var labels: [String] { configuration.labels }
    /// Text → ids, with the model's vocabulary and `max_length`.
    public let encoder: TextEncoder
    let collator: PaddingCollator
    let engine: InferenceEngine

    /// Loads and validates a checkpoint directory.
    /// - Parameters:
    ///   - directory: the checkpoint (`config.json`, `model.safetensors`, `vocab.txt`, `metrics.json`).
    ///   - options: the engine's threading.
    /// - Throws: ``ClassifierError/invalidCheckpoint(_:)`` with the checkpoint reader's message
    ///   (naming the file and tensor).
    public init(directory: URL, options: InferenceEngine.Options = .init()) throws(ClassifierError) {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.load(from: directory)
        } catch {
            throw .invalidCheckpoint(error.description)
        }
        try self.init(checkpoint: checkpoint, name: directory.standardizedFileURL.resolvingSymlinksInPath().lastPathComponent, options: options)
    }

    /// Builds a classifier from a loaded checkpoint.
    /// - Throws: ``ClassifierError`` when the vocabulary or engine refuse the checkpoint.
    public init(checkpoint: Checkpoint, name: String, options: InferenceEngine.Options = .init()) throws(ClassifierError) {
        let configuration = checkpoint.configuration
        do {
            let vocabulary = try Vocabulary(
                tokens: checkpoint.vocabulary, specialTokens: configuration.specialTokens, source: Checkpoint.vocabularyFileName)
            encoder = try TextEncoder(tokenizer: Tokenizer(preprocessing: configuration.preprocessing), vocabulary: vocabulary, maxLength: configuration.maxLength)
            collator = PaddingCollator(vocabulary: vocabulary)
            engine = try InferenceEngine(architecture: configuration.architecture, parameters: checkpoint.parameters, options: options)
        } catch {
            throw .invalidCheckpoint("\(error)")
        }
        self.configuration = configuration
        self.name = name
        self.digest = checkpoint.digest ?? Checkpoint.digest(of: Data())
    }

    /// Tokenizes and encodes one text: `[<bos>] + ids + [<eos>]`, cut at `max_length`.
    public func encode(_ text: String) -> EncodedText {
        encoder.encode(text)
    }

    /// Classifies already-encoded items as one padded batch, in their order.
    ///
    /// With `padding: masked` each item's result is independent of the batch; with the notebook's
    /// `padding: notebook` it depends on the batch's longest item, as in the notebook.
    /// - Throws: ``ClassifierError/inference(_:)`` (an id outside the vocabulary, an empty item).
    public func classify(_ items: [EncodedText]) throws(ClassifierError) -> [Prediction] {
        guard !items.isEmpty else { return [] }
        let batch = collator.collate(items)
        let logits: Tensor
        let probabilities: Tensor
        do {
            (logits, probabilities) = try engine.logitsAndProbabilities(
                ids: batch.ids, lengths: batch.lengths, time: batch.time, temperature: Float(configuration.temperature))
        } catch {
            throw .inference("\(error)")
        }
        let classes = configuration.architecture.numClasses
        return items.indices.map { i in
            let row = Array(probabilities.values[(i * classes)..<((i + 1) * classes)])
            // The label is the logits' argmax: the temperature never changes it, even where the
            // Float32 probabilities of a large temperature round to a tie.
            let base = i * classes
            var best = 0
            for c in 1..<classes where logits.values[base + c] > logits.values[base + best] { best = c }
            return Prediction(labelID: best, label: configuration.labels[best], probabilities: row, truncated: items[i].isTruncated)
        }
    }

    /// Classifies texts in consecutive batches of `batchSize`, in input order.
    /// - Throws: ``ClassifierError/inference(_:)``.
    public func classify(texts: [String], batchSize: Int = 64) throws(ClassifierError) -> [Prediction] {
        let encoded = texts.map(encode)
        var result: [Prediction] = []
        result.reserveCapacity(texts.count)
        for start in stride(from: 0, to: encoded.count, by: max(1, batchSize)) {
            result += try classify(Array(encoded[start..<min(start + max(1, batchSize), encoded.count)]))
        }
        return result
    }
}
