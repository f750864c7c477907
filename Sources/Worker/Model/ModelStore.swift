import Classification
import Foundation
import Logging
import RecurrentNetwork
import Synchronization

/// The model the worker serves, and its hot reload (DESIGN.md "Delivery guarantees", SIGHUP).
///
/// ``reload()`` re-resolves the configured path (which may be a symlink the retraining job
/// repoints), loads and validates the checkpoint it points to, and swaps it in; the batch loop
/// takes ``current`` once per batch, so the swap happens between batches. A checkpoint that does
/// not load or validate is refused and the serving model stays.
public final class ModelStore: Sendable {
    /// The configured path, or `nil` for the shipped model.
    public let path: String?
    /// The engine options every load uses (threads).
    public let inferenceOptions: InferenceEngine.Options
    /// The abstain rule every load checks the model's labels against (a per-label threshold
    /// naming a label the model lacks refuses the model).
    public let abstainPolicy: AbstainPolicy
    private let environment: [String: String]
    private let logger: Logger
    private let metrics: WorkerMetrics
    private let model: Mutex<TextClassifier>

    /// Loads the initial model.
    ///
    /// - Parameters:
    ///   - path: the checkpoint directory or a symlink to it; `nil` for the shipped model.
    ///   - environment: where ``ShippedModel`` looks for `NEWSCLF_MODEL`.
    ///   - inferenceOptions: the engine options of this and every reloaded model
    ///     (``WorkerConfiguration/inferenceOptions``); default one thread.
    ///   - abstainPolicy: the worker's abstain rule (``WorkerConfiguration/abstainPolicy``); its
    ///     per-label thresholds must name labels of every model loaded.
    ///   - metrics: receives `newsclf_model_info` and `newsclf_model_reloads_total`.
    ///   - logger: reload outcomes (with `model.digest`).
    /// - Throws: ``ModelLoadError`` naming the directory and the problem.
    public init(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        inferenceOptions: InferenceEngine.Options = .init(), abstainPolicy: AbstainPolicy = .off,
        metrics: WorkerMetrics = WorkerMetrics(), logger: Logger = Logger(label: "newsclf.worker.model")
    ) throws(ModelLoadError) {
        self.path = path
        self.inferenceOptions = inferenceOptions
        self.abstainPolicy = abstainPolicy
        self.environment = environment
        self.logger = logger
        self.metrics = metrics
        let classifier = try Self.load(
            path: path, environment: environment, options: inferenceOptions, abstainPolicy: abstainPolicy)
        self.model = Mutex(classifier)
        metrics.modelServing(name: classifier.name, digest: classifier.digest)
        logger.info(
            "model loaded",
            metadata: ["model.name": "\(classifier.name)", "model.digest": "\(classifier.digest)"])
    }

    /// The model serving now.
    public var current: TextClassifier { model.withLock { $0 } }

    /// Loads the checkpoint the path points to now and, when it is valid, serves it.
    ///
    /// - Returns: the outcome; on failure the previous model keeps serving.
    @discardableResult
    public func reload() -> ModelReloadOutcome {
        let previous = current
        do {
            let classifier = try Self.load(
                path: path, environment: environment, options: inferenceOptions, abstainPolicy: abstainPolicy)
            model.withLock { $0 = classifier }
            metrics.modelServing(name: classifier.name, digest: classifier.digest)
            metrics.modelReload(succeeded: true)
            logger.info(
                "model reloaded",
                metadata: [
                    "model.name": "\(classifier.name)", "model.digest": "\(classifier.digest)",
                    "model.previous_digest": "\(previous.digest)",
                ])
            return .reloaded(previousDigest: previous.digest, digest: classifier.digest)
        } catch {
            metrics.modelReload(succeeded: false)
            logger.error(
                "model reload refused; the previous model keeps serving",
                metadata: ["model.digest": "\(previous.digest)", "error": "\(error)"])
            return .refused(error)
        }
    }

    /// Resolves `path` (following symlinks now), loads the checkpoint and checks that it
    /// classifies a probe text to finite probabilities and has every label `abstainPolicy`
    /// names.
    static func load(
        path: String?, environment: [String: String], options: InferenceEngine.Options,
        abstainPolicy: AbstainPolicy = .off
    ) throws(ModelLoadError) -> TextClassifier {
        let directory: URL
        if let path {
            directory = URL(fileURLWithPath: path)
        } else {
            do {
                directory = try ShippedModel.directory(environment: environment)
            } catch {
                throw ModelLoadError(directory: "(shipped model)", problem: error.description)
            }
        }
        let resolved = directory.resolvingSymlinksInPath()
        guard FileManager.default.fileExists(atPath: resolved.path) else {
            throw ModelLoadError(directory: directory.path, problem: "no such directory")
        }
        let classifier: TextClassifier
        do {
            classifier = try TextClassifier(directory: resolved, options: options)
        } catch {
            throw ModelLoadError(directory: resolved.path, problem: error.description)
        }
        do throws(AbstainPolicyError) {
            try abstainPolicy.validate(labels: classifier.labels)
        } catch {
            throw ModelLoadError(directory: resolved.path, problem: error.description)
        }
        let probe: [Prediction]
        do {
            probe = try classifier.classify([classifier.encode("model validation probe")])
        } catch {
            throw ModelLoadError(directory: resolved.path, problem: "probe classification failed: \(error)")
        }
        guard let first = probe.first, first.probabilities.allSatisfy(\.isFinite) else {
            throw ModelLoadError(directory: resolved.path, problem: "probe classification gave non-finite probabilities")
        }
        return classifier
    }
}

/// What ``ModelStore/reload()`` did.
public enum ModelReloadOutcome: Sendable {
    /// The new checkpoint serves now.
    case reloaded(previousDigest: String, digest: String)
    /// The checkpoint was refused; the previous model serves.
    case refused(ModelLoadError)

    /// Whether the reload succeeded.
    public var succeeded: Bool {
        if case .reloaded = self { return true }
        return false
    }
}

/// A checkpoint that could not be served.
public struct ModelLoadError: Error, Sendable, CustomStringConvertible {
    /// The directory as configured or resolved.
    public var directory: String
    /// What is wrong (the checkpoint reader's message names the file and tensor).
    public var problem: String

    public init(directory: String, problem: String) {
        self.directory = directory
        self.problem = problem
    }

    public var description: String { "cannot load model \(directory): \(problem)" }
}
