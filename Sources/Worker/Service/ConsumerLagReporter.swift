import Kafka
import ServiceLifecycle

/// Refreshes the `newsclf_consumer_lag` gauge (records behind the high watermark, per assigned
/// partition) every ``interval``, until graceful shutdown or cancellation.
///
/// In `newsclf-worker` the lag comes from ``ClassificationWorker/consumerLag()``; a partition
/// the closure leaves out keeps its last value.
public struct ConsumerLagReporter: Service, CustomStringConvertible {
    /// How often the gauge is refreshed; the first refresh is one interval after start.
    public let interval: Duration
    private let metrics: WorkerMetrics
    private let lag: @Sendable () async -> [KafkaTopicPartition: Int64]

    /// - Parameters:
    ///   - interval: time between refreshes. Default 5 s.
    ///   - metrics: where the gauge goes (``WorkerMetrics/lag(_:of:)``).
    ///   - lag: the current lag of each assigned partition, in records.
    public init(
        interval: Duration = .seconds(5), metrics: WorkerMetrics,
        lag: @escaping @Sendable () async -> [KafkaTopicPartition: Int64]
    ) {
        self.interval = interval
        self.metrics = metrics
        self.lag = lag
    }

    public var description: String { "ConsumerLagReporter" }

    /// Refreshes the gauge every ``interval``; returns on graceful shutdown or cancellation.
    public func run() async {
        let (interval, metrics, lag) = (interval, metrics, lag)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                // A lag that was fetched is current: report all of it, even if shutdown
                // began meanwhile (so each refresh sets every partition's gauge once).
                for (partition, records) in await lag() {
                    metrics.lag(records, of: partition)
                }
            }
        }
    }
}
