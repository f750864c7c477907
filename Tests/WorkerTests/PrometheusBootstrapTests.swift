import CoreMetrics
import Prometheus
import Testing
import Worker

/// The factory's buckets, read back from the exposition. (The global ``PrometheusBootstrap/bootstrap()``
/// is left to the executable: `MetricsSystem.bootstrap` may run once per process.)
@Suite struct PrometheusBootstrapTests {
    @Test func batchSizeIsAHistogramWithPowerOfTwoBuckets() {
        let registry = PrometheusCollectorRegistry()
        let recorder = Recorder(
            label: "newsclf_batch_size", aggregate: true,
            factory: PrometheusBootstrap.makeFactory(registry: registry))
        recorder.record(5)
        recorder.record(64)
        let lines = registry.emitToString().split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE newsclf_batch_size histogram"))
        #expect(lines.contains(#"newsclf_batch_size_bucket{le="4.0"} 0"#))
        #expect(lines.contains(#"newsclf_batch_size_bucket{le="8.0"} 1"#))
        #expect(lines.contains(#"newsclf_batch_size_bucket{le="64.0"} 2"#))
        #expect(lines.contains(#"newsclf_batch_size_bucket{le="4096.0"} 2"#))
        #expect(lines.contains("newsclf_batch_size_count 2"))
    }

    @Test func batchDurationIsAHistogramOfSecondsFromOneMillisecond() {
        let registry = PrometheusCollectorRegistry()
        let timer = Timer(
            label: "newsclf_batch_duration", factory: PrometheusBootstrap.makeFactory(registry: registry))
        timer.recordMilliseconds(3)
        let lines = registry.emitToString().split(separator: "\n").map(String.init)
        #expect(lines.contains(#"newsclf_batch_duration_bucket{le="0.002"} 0"#))
        #expect(lines.contains(#"newsclf_batch_duration_bucket{le="0.005"} 1"#))
        #expect(lines.contains("newsclf_batch_duration_count 1"))
    }

    @Test func endToEndLatencyBucketsReachFiveMinutes() {
        let registry = PrometheusCollectorRegistry()
        let timer = Timer(
            label: "newsclf_end_to_end_latency", factory: PrometheusBootstrap.makeFactory(registry: registry))
        timer.recordSeconds(90)
        let lines = registry.emitToString().split(separator: "\n").map(String.init)
        #expect(lines.contains(#"newsclf_end_to_end_latency_bucket{le="60.0"} 0"#))
        #expect(lines.contains(#"newsclf_end_to_end_latency_bucket{le="300.0"} 1"#))
    }

    @Test func bucketListsAreAscending() {
        #expect(PrometheusBootstrap.batchSizeBuckets == PrometheusBootstrap.batchSizeBuckets.sorted())
        #expect(PrometheusBootstrap.batchSizeBuckets.last == 4096)
        #expect(PrometheusBootstrap.batchDurationBuckets == PrometheusBootstrap.batchDurationBuckets.sorted())
        #expect(PrometheusBootstrap.endToEndLatencyBuckets == PrometheusBootstrap.endToEndLatencyBuckets.sorted())
    }
}
