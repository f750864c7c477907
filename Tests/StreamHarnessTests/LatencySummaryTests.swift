import StreamHarness
import Testing

struct LatencySummaryTests {
    /// Nearest rank: p-th percentile of n sorted samples is the sample at rank ⌈p·n⌉.
    @Test func nearestRankPercentilesOfOneToHundred() {
        let summary = LatencySummary(seconds: (1...100).reversed().map(Double.init))
        #expect(summary.p50 == 50)
        #expect(summary.p99 == 99)
        #expect(summary.percentile(1) == 100)
        #expect(summary.percentile(0) == 1)
        #expect(summary.maximum == 100)
    }

    @Test func percentileOfFewSamplesIsAnObservedValue() {
        let summary = LatencySummary(seconds: [0.3, 0.1, 0.2])
        #expect(summary.p50 == 0.2)  // rank ⌈1.5⌉ = 2
        #expect(summary.p99 == 0.3)  // rank ⌈2.97⌉ = 3
    }

    @Test func noSamplesHaveNoPercentiles() {
        let summary = LatencySummary(seconds: [])
        #expect(summary.p50 == nil)
        #expect(summary.count == 0)
    }
}
