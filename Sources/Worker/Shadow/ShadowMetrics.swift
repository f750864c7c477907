import Metrics
import Synchronization

/// The shadow model's metrics (worker setting `shadow_model`), beside ``WorkerMetrics``:
/// - `newsclf_shadow_agreement_ratio` — the share of inputs, since the shadow model loaded, on
///   which it gave the label the worker published (gauge, 0…1);
/// - `newsclf_shadow_predictions_total{served, shadow}` — inputs per (published label, shadow
///   label) pair: the agreement matrix;
/// - `newsclf_shadow_batch_duration` — the shadow's classification time per batch (timer,
///   nanoseconds), to set beside `newsclf_batch_duration`;
/// - `newsclf_shadow_dropped_batches_total` — batches not classified because the shadow's queue
///   was full (it fell behind);
/// - `newsclf_shadow_failures_total{stage}` — `classify` (an input the shadow model refused),
///   `publish` (a shadow label not delivered to `shadow_topic`), `reload` (a shadow checkpoint
///   refused);
/// - `newsclf_shadow_outputs_published_total` — shadow labels acknowledged on `shadow_topic`;
/// - `newsclf_shadow_model_info{name, digest}` — 1 for the shadow model loaded.
public final class ShadowMetrics: Sendable {
    /// The shadow's classification time per batch.
    public let batchDuration: Metrics.Timer
    /// Batches dropped because the queue was full.
    public let droppedBatches: Counter
    /// Shadow labels acknowledged by the broker.
    public let outputsPublished: Counter
    private let agreementRatio: Gauge
    private let factory: any MetricsFactory

    private struct Cache {
        var pairs: [ShadowAgreement.Pair: Counter] = [:]
        var failures: [String: Counter] = [:]
        var modelInfo: Gauge?
    }

    private let cache = Mutex(Cache())

    /// - Parameter factory: the metrics backend; default the one bootstrapped in `MetricsSystem`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        batchDuration = Metrics.Timer(label: "newsclf_shadow_batch_duration", factory: factory)
        droppedBatches = Counter(label: "newsclf_shadow_dropped_batches_total", factory: factory)
        outputsPublished = Counter(label: "newsclf_shadow_outputs_published_total", factory: factory)
        agreementRatio = Gauge(label: "newsclf_shadow_agreement_ratio", factory: factory)
    }

    /// Counts a batch's (served, shadow) pairs and sets the agreement ratio of `agreement`.
    public func compared(_ batch: [ShadowAgreement.Pair: Int], agreement: ShadowAgreement) {
        for (pair, count) in batch.sorted(by: { $0.key < $1.key }) {
            let counter = cache.withLock { cache in
                if let counter = cache.pairs[pair] { return counter }
                let counter = Counter(
                    label: "newsclf_shadow_predictions_total",
                    dimensions: [("served", pair.served), ("shadow", pair.shadow)], factory: factory)
                cache.pairs[pair] = counter
                return counter
            }
            counter.increment(by: count)
        }
        if let ratio = agreement.ratio { agreementRatio.record(ratio) }
    }

    /// Counts `count` failures at `stage` (`classify`, `publish` or `reload`).
    public func failed(_ stage: String, count: Int = 1) {
        guard count > 0 else { return }
        let counter = cache.withLock { cache in
            if let counter = cache.failures[stage] { return counter }
            let counter = Counter(
                label: "newsclf_shadow_failures_total", dimensions: [("stage", stage)], factory: factory)
            cache.failures[stage] = counter
            return counter
        }
        counter.increment(by: count)
    }

    /// Marks the shadow model now loaded (`nil`: none); the previous one's gauge drops to 0.
    public func shadowLoaded(name: String?, digest: String?) {
        let gauge = name.flatMap { name in
            digest.map { Gauge(label: "newsclf_shadow_model_info", dimensions: [("name", name), ("digest", $0)], factory: factory) }
        }
        let previous = cache.withLock { cache in
            defer { cache.modelInfo = gauge }
            return cache.modelInfo
        }
        previous?.record(0)
        gauge?.record(1)
    }
}
