import CoreMetrics
import Prometheus

/// Connects swift-metrics to a Prometheus registry: the worker's metrics (`newsclf_*`, emitted
/// through swift-metrics' `Counter`, `Recorder`, `Timer`, `Gauge`) land in a
/// `PrometheusCollectorRegistry`, which ``ObservabilityServer`` serves at `GET /metrics`.
///
/// swift-metrics' `MetricsSystem.bootstrap` may run only once per process (a second call
/// traps), so ``bootstrap()`` does it once and hands every caller the same registry. Tests that
/// must not touch the global system make their own registry and pass
/// ``makeFactory(registry:)`` to swift-metrics' `Counter(label:dimensions:factory:)` or
/// `withMetricsFactory(_:_:)`.
public enum PrometheusBootstrap {
    /// Histogram buckets of `newsclf_batch_size` (items per batch; the worker's
    /// `batch_max_size` is at most 4096): powers of two.
    public static let batchSizeBuckets: [Double] = (0...12).map { Double(1 << $0) }

    /// Histogram buckets of the `newsclf_batch_duration` timer (one batch's decode + classify +
    /// publish): 1 ms to 10 s.
    public static let batchDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Histogram buckets of the `newsclf_end_to_end_latency` timer (input's Kafka timestamp to
    /// its output's acknowledgement; consumer lag shows up here): 5 ms to 5 min.
    public static let endToEndLatencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// The registry the process-wide metrics system writes to, bootstrapped on first use.
    private static let processRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(makeFactory(registry: registry))
        return registry
    }()

    /// Bootstraps swift-metrics with a Prometheus factory (the first call in the process) and
    /// returns its registry; later calls return the same registry without bootstrapping again.
    ///
    /// Call it at startup, before the worker creates its metrics: metrics created earlier stay
    /// bound to swift-metrics' no-op backend.
    ///
    /// - Returns: the registry to hand to ``ObservabilityServer/init(address:registry:health:logger:)``.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        processRegistry
    }

    /// A swift-metrics factory writing into `registry`, with the `newsclf_*` histogram buckets
    /// above (other histograms get swift-prometheus' defaults).
    ///
    /// swift-metrics' types map to Prometheus ones as swift-prometheus defines: `Counter` →
    /// counter, `Gauge` and non-aggregating `Recorder` → gauge, aggregating `Recorder` →
    /// histogram of values, `Timer` → histogram of seconds.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["newsclf_batch_size"] = batchSizeBuckets
        factory.durationHistogramBuckets["newsclf_batch_duration"] = batchDurationBuckets
        factory.durationHistogramBuckets["newsclf_end_to_end_latency"] = endToEndLatencyBuckets
        return factory
    }
}
