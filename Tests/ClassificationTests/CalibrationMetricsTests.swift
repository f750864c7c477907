import Classification
import Foundation
import Testing

/// ECE (15 equal-width bins), NLL and the bins on small cases computed by hand.
@Suite struct CalibrationMetricsTests {
    @Test func binsAreHalfOpenFromBelow() {
        #expect(CalibrationMetrics.binIndex(confidence: 0, binCount: 15) == 0)
        #expect(CalibrationMetrics.binIndex(confidence: 1, binCount: 15) == 14)
        #expect(CalibrationMetrics.binIndex(confidence: 0.5, binCount: 2) == 0)  // (0, 0.5]
        #expect(CalibrationMetrics.binIndex(confidence: 0.500001, binCount: 2) == 1)  // (0.5, 1]
        #expect(CalibrationMetrics.binIndex(confidence: 0.9, binCount: 15) == 13)  // (13/15, 14/15]
    }

    @Test func eceOfFourItemsByHand() {
        // Bin 13 (0.8667, 0.9333]: confidences 0.9, 0.9, one right → |0.5 − 0.9| · 2/4 = 0.2.
        // Bin 8 (0.5333, 0.6]: confidences 0.58, 0.55, both right → |1 − 0.565| · 2/4 = 0.2175.
        let metrics = CalibrationMetrics(
            confidences: [0.9, 0.9, 0.58, 0.55], correct: [true, false, true, true],
            trueClassLogProbabilities: [log(0.9), log(0.1), log(0.58), log(0.55)])
        #expect(abs(metrics.expectedCalibrationError - 0.4175) < 1e-12)
        #expect(abs(metrics.negativeLogLikelihood - -(log(0.9) + log(0.1) + log(0.58) + log(0.55)) / 4) < 1e-12)
        #expect(metrics.accuracy == 0.75)
        #expect(metrics.bins.count == 15)
        #expect(metrics.bins.map(\.count) == [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0])
        #expect(abs(metrics.bins[8].meanConfidence - 0.565) < 1e-12 && metrics.bins[8].accuracy == 1)
        #expect(abs(metrics.bins[13].lowerBound - 13.0 / 15) < 1e-15 && abs(metrics.bins[13].upperBound - 14.0 / 15) < 1e-15)
    }

    @Test func perfectlyCalibratedBinHasNoError() {
        // Ten items at confidence 0.7 (bin 10), seven right.
        let metrics = CalibrationMetrics(
            confidences: Array(repeating: 0.7, count: 10), correct: Array(repeating: true, count: 7) + Array(repeating: false, count: 3),
            trueClassLogProbabilities: Array(repeating: log(0.7), count: 10))
        #expect(abs(metrics.expectedCalibrationError) < 1e-12)
    }

    @Test func fromLogitsAppliesTheTemperature() throws {
        // Logits (0, ln 9): softmax (0.1, 0.9); at T = 2: (0.25, 0.75).
        let data = try LabelledLogits(logits: [0, Float(log(9.0)), Float(log(9.0)), 0], labels: [1, 1], classCount: 2)
        let plain = CalibrationMetrics(data)
        #expect(abs(plain.meanConfidence - 0.9) < 1e-6)
        #expect(plain.accuracy == 0.5)
        #expect(abs(plain.negativeLogLikelihood - -(log(0.9) + log(0.1)) / 2) < 1e-6)
        #expect(abs(plain.expectedCalibrationError - 0.4) < 1e-6)
        let hot = CalibrationMetrics(data, temperature: 2)
        #expect(abs(hot.meanConfidence - 0.75) < 1e-6)
        #expect(abs(hot.negativeLogLikelihood - -(log(0.75) + log(0.25)) / 2) < 1e-6)
        #expect(abs(data.negativeLogLikelihood(temperature: 2) - hot.negativeLogLikelihood) < 1e-12)
    }

    @Test func fromPredictionsUsesTheServedProbabilities() {
        let predictions = [
            Prediction(labelID: 0, label: "a", probabilities: [0.9, 0.1], truncated: false),
            Prediction(labelID: 1, label: "b", probabilities: [0.0, 1.0], truncated: false),
        ]
        let metrics = CalibrationMetrics(predictions: predictions, labels: [0, 0])
        #expect(metrics.accuracy == 0.5)
        // A probability of 0 counts as the smallest Float: finite NLL.
        #expect(metrics.negativeLogLikelihood.isFinite && metrics.negativeLogLikelihood > 50)
    }

    @Test func labelledLogitsRefuseBadInput() {
        #expect(throws: CalibrationError(.empty)) { try LabelledLogits(logits: [], labels: [], classCount: 2) }
        #expect(throws: CalibrationError(.countMismatch(logits: 3, labels: 2, classCount: 2))) {
            try LabelledLogits(logits: [0, 1, 2], labels: [0, 1], classCount: 2)
        }
        #expect(throws: CalibrationError(.labelOutOfRange(item: 1, label: 2, classCount: 2))) {
            try LabelledLogits(logits: [0, 1, 2, 3], labels: [0, 2], classCount: 2)
        }
        #expect(throws: CalibrationError(.nonFiniteLogit(item: 1))) {
            try LabelledLogits(logits: [0, 1, .nan, 3], labels: [0, 1], classCount: 2)
        }
    }
}
