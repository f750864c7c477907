import Classification
import Foundation
import Testing

/// Accuracy at coverage and the threshold that reaches a target accuracy.
@Suite struct CoverageCurveTests {
    // Confidences 0.9 ✓, 0.8 ✓, 0.8 ✗, 0.6 ✓, 0.4 ✗ (input order shuffled).
    let curve = CoverageCurve(confidences: [0.6, 0.9, 0.4, 0.8, 0.8], correct: [true, true, false, true, false])

    @Test func onePointPerDistinctConfidence() {
        #expect(curve.points.map(\.threshold) == [0.9, 0.8, 0.6, 0.4])
        #expect(curve.points.map(\.answered) == [1, 3, 4, 5])
        #expect(curve.points.map(\.accuracy) == [1, 2.0 / 3, 0.75, 0.6])
        #expect(curve.points.last?.coverage == 1)
    }

    @Test func accuracyAtCoverageAnswersTheMostConfidentShare() {
        #expect(curve.accuracy(atCoverage: 1) == 0.6)
        #expect(curve.accuracy(atCoverage: 0.8) == 0.75)  // 4 items
        #expect(curve.accuracy(atCoverage: 0.2) == 1)  // 1 item
        #expect(curve.accuracy(atCoverage: 0.5) == 2.0 / 3)  // ⌈2.5⌉ = 3 items
        #expect(CoverageCurve(confidences: [], correct: []).accuracy(atCoverage: 0.9) == nil)
    }

    @Test func targetAccuracyGivesTheLowestThresholdThatReachesIt() {
        #expect(curve.point(reaching: 0.7)?.threshold == 0.6)
        #expect(curve.point(reaching: 0.7)?.coverage == 0.8)
        #expect(curve.point(reaching: 0.9)?.threshold == 0.9)
        #expect(curve.point(reaching: 0.5)?.threshold == 0.4)
        #expect(CoverageCurve(confidences: [0.9], correct: [false]).point(reaching: 0.5) == nil)
    }

    @Test func plotsAreSVGWithTheFigures() throws {
        let metrics = CalibrationMetrics(
            confidences: [0.9, 0.9, 0.58], correct: [true, false, true], trueClassLogProbabilities: [-0.1, -2.3, -0.5])
        let reliability = CalibrationPlot.reliabilityDiagram(metrics, title: "a <b> & c")
        #expect(reliability.hasPrefix("<?xml") && reliability.contains("</svg>"))
        #expect(reliability.contains("a &lt;b&gt; &amp; c"))
        #expect(reliability.contains(String(format: "ECE %.4f (15 bins)", metrics.expectedCalibrationError)))
        #expect(reliability.contains(">2</text>") && reliability.contains(">1</text>"))  // bin counts
        let coverage = CalibrationPlot.coverageCurve(curve, title: "t")
        #expect(coverage.contains("<polyline") && coverage.contains("80 % → 0.7500") && coverage.contains("90 % → 0.6000"))
    }
}
