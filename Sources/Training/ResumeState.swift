import Checkpoint
import Foundation
import RecurrentNetwork
import SafeTensors

/// Everything a run needs to continue exactly where it stopped: the weights, Adam's moments and
/// step count, the position in the data order, the running train-loss sums since the last
/// evaluation, the curves so far and the best evaluation.
///
/// The random streams are counter-based (``RandomStreams``): the shuffle of epoch e and the
/// dropout masks of step s are functions of (seed, e) and (seed, s), so the position *is* the
/// RNG state; `state.json` records it under `rng`.
///
/// On disk, `DIR/resume/`:
/// - `state.json`: everything but the tensors and the vocabulary;
/// - `vocab.txt`: the run's vocabulary (built once, or taken from `--init-from`), one token a line;
/// - `parameters.safetensors`: the weights under their `state_dict` names;
/// - `optimizer.safetensors`: Adam's first and second moments as `exp_avg.<name>` and
///   `exp_avg_sq.<name>` (PyTorch's state names); the step count is in `state.json`.
///
/// Written to a temporary sibling directory first (files `fsync`ed), then renamed into place.
public struct ResumeState: Sendable {
    /// The directory name inside a run's output directory.
    public static let directoryName = "resume"

    /// The run's configuration; a resumed run must have an equal one.
    public var configuration: TrainingConfiguration
    /// `sha256:` digest of the training file; a resumed run must read the same file content.
    public var dataDigest: String
    /// OpenBLAS threads of the run (recorded: results are reproducible for one thread count).
    public var threads: Int
    /// Where the run stands.
    public var progress: TrainingProgress
    /// The model's `config.json` (architecture, labels, preprocessing, special tokens).
    public var modelConfiguration: ModelConfiguration
    /// The weights, of ``modelConfiguration``'s architecture.
    public var parameters: ModelParameters
    /// Adam's moments and step count.
    public var optimizer: AdamState
    /// The tokens by id.
    public var vocabulary: [String]

    public init(
        configuration: TrainingConfiguration, dataDigest: String, threads: Int, progress: TrainingProgress,
        modelConfiguration: ModelConfiguration, parameters: ModelParameters, optimizer: AdamState,
        vocabulary: [String]
    ) {
        self.modelConfiguration = modelConfiguration
        self.vocabulary = vocabulary
        self.configuration = configuration
        self.dataDigest = dataDigest
        self.threads = threads
        self.progress = progress
        self.parameters = parameters
        self.optimizer = optimizer
    }

    /// The JSON part.
    struct Record: Codable {
        var format: String
        var configuration: TrainingConfiguration
        var dataDigest: String
        var threads: Int
        var modelConfiguration: ModelConfiguration
        var adamStep: Int
        var progress: TrainingProgress
        var rng: RNG

        struct RNG: Codable {
            var scheme: String
            var seed: UInt64
            var epoch: Int
            var step: Int
        }

        enum CodingKeys: String, CodingKey {
            case format, configuration, threads, progress, rng
            case dataDigest = "data_sha256", modelConfiguration = "model", adamStep = "adam_step"
        }
    }

    static let format = "newsclf-resume/1"

    /// Writes `directory` (normally `DIR/resume`), replacing it.
    /// - Throws: ``TrainingError`` `.writeFailed`.
    public func save(to directory: URL) throws(TrainingError) {
        let record = Record(
            format: Self.format, configuration: configuration, dataDigest: dataDigest, threads: threads,
            modelConfiguration: modelConfiguration, adamStep: optimizer.step, progress: progress,
            rng: .init(scheme: "splitmix64, counter-derived per (seed, purpose, index)", seed: configuration.seed,
                       epoch: progress.epoch, step: progress.globalStep))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let stateBytes: Data
        do {
            stateBytes = try encoder.encode(record)
        } catch {
            throw TrainingError(.writeFailed(path: directory.appendingPathComponent("state.json").path, problem: "\(error)"))
        }
        let writer = SafeTensorsWriter()
        let parameterBytes = writer.serialize(
            parameters.namedTensors.map { .init(name: $0.name, shape: $0.tensor.shape, floats: $0.tensor.values) },
            metadata: ["format": "pt"])
        var moments: [SafeTensorsWriter.Entry] = []
        for (name, tensor) in optimizer.firstMoment.namedTensors {
            moments.append(.init(name: "exp_avg.\(name)", shape: tensor.shape, floats: tensor.values))
        }
        for (name, tensor) in optimizer.secondMoment.namedTensors {
            moments.append(.init(name: "exp_avg_sq.\(name)", shape: tensor.shape, floats: tensor.values))
        }
        try AtomicDirectory.write(
            [("state.json", stateBytes), ("vocab.txt", Data(vocabulary.map { $0 + "\n" }.joined().utf8)), ("parameters.safetensors", parameterBytes),
             ("optimizer.safetensors", writer.serialize(moments))],
            to: directory)
    }

    /// The configuration and thread count saved in a run directory's `resume/state.json`, without
    /// reading the tensors (so a command line can default its options to the saved ones).
    /// - Parameter runDirectory: the run's output directory.
    /// - Throws: ``TrainingError`` `.resumeMismatch` when there is no readable state.
    public static func saved(in runDirectory: URL) throws(TrainingError) -> (configuration: TrainingConfiguration, threads: Int) {
        let stateURL = runDirectory.appendingPathComponent(directoryName).appendingPathComponent("state.json")
        do {
            let record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: stateURL))
            return (record.configuration, record.threads)
        } catch {
            throw TrainingError(.resumeMismatch(
                path: runDirectory.path, problem: "\(stateURL.path) is missing or unreadable (\(error.localizedDescription))"))
        }
    }

    /// Reads `directory` (normally `DIR/resume`).
    /// - Throws: ``TrainingError`` `.resumeMismatch` naming the file when something is missing
    ///   or inconsistent.
    public static func load(from directory: URL) throws(TrainingError) -> ResumeState {
        func fail(_ problem: String) -> TrainingError { TrainingError(.resumeMismatch(path: directory.path, problem: problem)) }
        let stateURL = directory.appendingPathComponent("state.json")
        let record: Record
        do {
            record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: stateURL))
        } catch {
            throw fail("state.json is missing or unreadable (\(error.localizedDescription))")
        }
        guard record.format == format else { throw fail("state.json has format \"\(record.format)\", expected \"\(format)\"") }
        func tensors(_ file: String, prefix: String) throws(TrainingError) -> [String: Tensor] {
            do {
                let stored = try SafeTensorsFile(contentsOf: directory.appendingPathComponent(file))
                var result: [String: Tensor] = [:]
                for name in stored.names where name.hasPrefix(prefix) {
                    let view = try stored.tensor(name)
                    result[String(name.dropFirst(prefix.count))] = Tensor(shape: view.shape, values: try view.floats())
                }
                return result
            } catch {
                throw fail("\(file): \(error)")
            }
        }
        do {
            let parameters = try ModelParameters(
                architecture: record.modelConfiguration.architecture, tensors: tensors("parameters.safetensors", prefix: ""))
            let first = try ModelParameters(
                architecture: record.modelConfiguration.architecture, tensors: tensors("optimizer.safetensors", prefix: "exp_avg."))
            let second = try ModelParameters(
                architecture: record.modelConfiguration.architecture, tensors: tensors("optimizer.safetensors", prefix: "exp_avg_sq."))
            let vocabularyText = try String(contentsOf: directory.appendingPathComponent("vocab.txt"), encoding: .utf8)
            var vocabulary = vocabularyText.components(separatedBy: "\n")
            if vocabulary.last == "" { vocabulary.removeLast() }
            guard vocabulary.count == record.modelConfiguration.architecture.vocabSize else {
                throw fail("vocab.txt has \(vocabulary.count) tokens, the model \(record.modelConfiguration.architecture.vocabSize)")
            }
            return ResumeState(
                configuration: record.configuration, dataDigest: record.dataDigest, threads: record.threads,
                progress: record.progress, modelConfiguration: record.modelConfiguration, parameters: parameters,
                optimizer: try AdamState(step: record.adamStep, firstMoment: first, secondMoment: second),
                vocabulary: vocabulary)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw fail("\(error)")
        }
    }
}

/// Where a run stands: position in the data order, the running sums since the last evaluation,
/// the curves so far, the best evaluation, and the time spent.
public struct TrainingProgress: Sendable, Equatable, Codable {
    /// The current epoch, 0-based (= `epochs` when training is done).
    public var epoch = 0
    /// Batches of the current epoch already trained on.
    public var batchInEpoch = 0
    /// Optimizer steps done in all.
    public var globalStep = 0
    /// Sum of batch losses × batch sizes since the last evaluation.
    public var pendingLossSum = 0.0
    /// Correct training predictions since the last evaluation.
    public var pendingCorrect = 0
    /// Training items since the last evaluation.
    public var pendingCount = 0
    /// The evaluations so far.
    public var curves = LearningCurves()
    /// The evaluation whose weights are in `DIR/best/` (highest validation accuracy, first kept on ties).
    public var best: LearningCurves.Point?
    /// Seconds spent in the run so far (all sessions).
    public var elapsedSeconds = 0.0
    /// Seconds spent in optimizer steps (evaluation and writing excluded).
    public var trainingSeconds = 0.0
    /// Training items processed by optimizer steps.
    public var samplesTrained = 0
    /// Whether all epochs are done.
    public var finished = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case epoch, best, curves, finished
        case batchInEpoch = "batch_in_epoch", globalStep = "global_step", pendingLossSum = "pending_loss_sum"
        case pendingCorrect = "pending_correct", pendingCount = "pending_count", elapsedSeconds = "elapsed_seconds"
        case trainingSeconds = "training_seconds", samplesTrained = "samples_trained"
    }
}
