import Classification
import Foundation
import Logging
import RecurrentNetwork
import Synchronization

/// The shadow model (worker setting `shadow_model`) and its reload: like ``ModelStore``, but a
/// shadow that cannot be had never stops the worker.
///
/// The path is resolved at each ``reload()`` (the retraining job's `shadow` symlink may be
/// repointed, or removed once the candidate was promoted): a path that does not exist means no
/// shadow for now (logged at `info`); a checkpoint that does not load, or whose labels are not
/// the served model's (by name), is refused (logged at `error`, counted as a `reload` failure)
/// and the previous shadow, if any, stays.
public final class ShadowModelStore: Sendable {
    /// The configured path (a checkpoint directory or a symlink to one).
    public let path: String
    /// The shadow's engine options (one thread: the shadow must not take the served model's).
    public let inferenceOptions: InferenceEngine.Options
    /// The shadow's metrics.
    public let metrics: ShadowMetrics
    private let servedLabels: @Sendable () -> [String]
    private let logger: Logger
    private let model = Mutex<TextClassifier?>(nil)

    /// Loads the shadow model the path points to now, if any (see ``reload()``).
    ///
    /// - Parameters:
    ///   - path: `shadow_model`.
    ///   - servedLabels: the labels of the model serving now; a shadow must have the same names.
    ///   - inferenceOptions: default one thread.
    ///   - metrics: `newsclf_shadow_model_info`, reload failures.
    ///   - logger: load outcomes.
    public init(
        path: String, servedLabels: @escaping @Sendable () -> [String],
        inferenceOptions: InferenceEngine.Options = .init(threadCount: 1),
        metrics: ShadowMetrics = ShadowMetrics(), logger: Logger = Logger(label: "newsclf.worker.shadow")
    ) {
        self.path = path
        self.servedLabels = servedLabels
        self.inferenceOptions = inferenceOptions
        self.metrics = metrics
        self.logger = logger
        reload()
    }

    /// The shadow model loaded now, or `nil`.
    public var current: TextClassifier? { model.withLock { $0 } }

    /// What ``reload()`` did.
    public enum Outcome: Sendable {
        /// This checkpoint is the shadow now.
        case loaded(digest: String)
        /// The path does not exist: no shadow.
        case absent
        /// The checkpoint was refused; the previous shadow (if any) stays.
        case refused(ModelLoadError)
    }

    /// Resolves the path now and loads the checkpoint it points to.
    @discardableResult
    public func reload() -> Outcome {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        guard FileManager.default.fileExists(atPath: resolved.path) else {
            let previous = model.withLock { model in
                defer { model = nil }
                return model
            }
            metrics.shadowLoaded(name: nil, digest: nil)
            var metadata: Logger.Metadata = ["shadow.path": "\(path)"]
            if let previous { metadata["shadow.previous_digest"] = "\(previous.digest)" }
            logger.info("no shadow model: the path does not exist", metadata: metadata)
            return .absent
        }
        do throws(ModelLoadError) {
            let classifier = try ModelStore.load(path: path, environment: [:], options: inferenceOptions)
            let served = servedLabels()
            guard Set(classifier.labels) == Set(served), classifier.labels.count == served.count else {
                throw ModelLoadError(
                    directory: resolved.path,
                    problem: "its labels \(classifier.labels) are not the served model's \(served)")
            }
            model.withLock { $0 = classifier }
            metrics.shadowLoaded(name: classifier.name, digest: classifier.digest)
            logger.info(
                "shadow model loaded",
                metadata: ["shadow.name": "\(classifier.name)", "shadow.digest": "\(classifier.digest)"])
            return .loaded(digest: classifier.digest)
        } catch {
            metrics.failed("reload")
            logger.error(
                "shadow model refused; the previous shadow stays",
                metadata: ["shadow.path": "\(path)", "error": "\(error)"])
            return .refused(error)
        }
    }
}
