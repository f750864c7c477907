import Kafka
import Metrics
import Synchronization

/// The worker's metrics, emitted through swift-metrics (the executable bootstraps the
/// Prometheus backend; without a backend they cost next to nothing).
///
/// Names and labels are the contract with the observability server and the dashboards:
/// - `newsclf_messages_consumed_total{topic, partition}` — input records read;
/// - `newsclf_items_classified_total` — inputs that got a label;
/// - `newsclf_dead_letters_total{kind}` — inputs sent to the dead-letter topic, by
///   `newsclf.error.kind`;
/// - `newsclf_abstained_total{label}` — labels marked `"abstained": true`, by their top label
///   (``abstained(label:)``);
/// - `newsclf_outputs_published_total` — outputs (labels, dead letters and review copies)
///   acknowledged by the broker;
/// - `newsclf_batch_size` — items per classified batch (aggregated recorder);
/// - `newsclf_batch_duration` — classification time per batch (timer, nanoseconds);
/// - `newsclf_end_to_end_latency` — input record timestamp → output acknowledged (timer);
/// - `newsclf_consumer_lag{topic, partition}` — high watermark − position, in records;
/// - `newsclf_replayed_inputs_total{topic, partition}` — inputs read again that this process had
///   already answered while it owned the partition before (at-least-once); they are not answered
///   again (``replayed(_:from:)``);
/// - `newsclf_model_info{name, digest}` — 1 for the model serving;
/// - `newsclf_model_reloads_total{result}` — `success` or `failure`.
public final class WorkerMetrics: Sendable {
    /// Inputs that got a label.
    public let itemsClassified: Counter
    /// Outputs acknowledged by the broker.
    public let outputsPublished: Counter
    /// Items per classified batch.
    public let batchSize: Recorder
    /// Classification time per batch.
    public let batchDuration: Metrics.Timer
    /// Input timestamp → output acknowledged.
    public let endToEndLatency: Metrics.Timer
    private let factory: any MetricsFactory

    private struct Cache {
        var consumed: [KafkaTopicPartition: Counter] = [:]
        var lag: [KafkaTopicPartition: Gauge] = [:]
        var replayed: [KafkaTopicPartition: Counter] = [:]
        var deadLetters: [String: Counter] = [:]
        var abstained: [String: Counter] = [:]
        var modelInfo: Gauge?
    }

    private let cache = Mutex(Cache())

    /// - Parameter factory: the metrics backend; default the one bootstrapped in
    ///   `MetricsSystem` (tests pass MetricsTestKit's `TestMetrics`).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        itemsClassified = Counter(label: "newsclf_items_classified_total", factory: factory)
        outputsPublished = Counter(label: "newsclf_outputs_published_total", factory: factory)
        batchSize = Recorder(label: "newsclf_batch_size", aggregate: true, factory: factory)
        batchDuration = Metrics.Timer(label: "newsclf_batch_duration", factory: factory)
        endToEndLatency = Metrics.Timer(label: "newsclf_end_to_end_latency", factory: factory)
    }

    /// Counts `count` records read from `partition`.
    public func consumed(_ count: Int, from partition: KafkaTopicPartition) {
        let counter = cache.withLock { cache in
            if let counter = cache.consumed[partition] { return counter }
            let counter = Counter(
                label: "newsclf_messages_consumed_total",
                dimensions: [("topic", partition.topic), ("partition", String(partition.partition))],
                factory: factory)
            cache.consumed[partition] = counter
            return counter
        }
        counter.increment(by: count)
    }

    /// Counts `count` inputs of `partition` read again at offsets this process had already
    /// answered (outputs acknowledged) while it owned the partition before: its commit on
    /// revocation was refused or late, and the partition came back. They are the duplicates this
    /// worker knows of, and it does not answer them again (the earlier output stands).
    ///
    /// What it cannot know, and so answers again: inputs answered by an earlier process of this
    /// worker (after a restart or a `kill -9`, from the last committed offset) or by another
    /// member (the partition's previous owner); those duplicates are at most about
    /// `commit_interval_ms` × the input rate of the partitions moved (README).
    public func replayed(_ count: Int, from partition: KafkaTopicPartition) {
        let counter = cache.withLock { cache in
            if let counter = cache.replayed[partition] { return counter }
            let counter = Counter(
                label: "newsclf_replayed_inputs_total",
                dimensions: [("topic", partition.topic), ("partition", String(partition.partition))],
                factory: factory)
            cache.replayed[partition] = counter
            return counter
        }
        counter.increment(by: count)
    }

    /// Counts one dead letter of `kind` (a `newsclf.error.kind` value).
    public func deadLetter(kind: String) {
        let counter = cache.withLock { cache in
            if let counter = cache.deadLetters[kind] { return counter }
            let counter = Counter(
                label: "newsclf_dead_letters_total", dimensions: [("kind", kind)], factory: factory)
            cache.deadLetters[kind] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts `count` abstained items whose top label is `label` (a class name of the model).
    public func abstained(label: String, count: Int = 1) {
        let counter = cache.withLock { cache in
            if let counter = cache.abstained[label] { return counter }
            let counter = Counter(
                label: "newsclf_abstained_total", dimensions: [("label", label)], factory: factory)
            cache.abstained[label] = counter
            return counter
        }
        counter.increment(by: count)
    }

    /// Sets the lag of `partition` (records behind the high watermark).
    public func lag(_ records: Int64, of partition: KafkaTopicPartition) {
        let gauge = cache.withLock { cache in
            if let gauge = cache.lag[partition] { return gauge }
            let gauge = Gauge(
                label: "newsclf_consumer_lag",
                dimensions: [("topic", partition.topic), ("partition", String(partition.partition))],
                factory: factory)
            cache.lag[partition] = gauge
            return gauge
        }
        gauge.record(records)
    }

    /// Marks the model now serving (its gauge 1, the previous one's removed).
    public func modelServing(name: String, digest: String) {
        let gauge = Gauge(
            label: "newsclf_model_info", dimensions: [("name", name), ("digest", digest)], factory: factory)
        let previous = cache.withLock { cache in
            defer { cache.modelInfo = gauge }
            return cache.modelInfo
        }
        if let previous { previous.record(0) }
        gauge.record(1)
    }

    /// Counts a reload attempt.
    public func modelReload(succeeded: Bool) {
        Counter(
            label: "newsclf_model_reloads_total", dimensions: [("result", succeeded ? "success" : "failure")],
            factory: factory
        ).increment()
    }
}
