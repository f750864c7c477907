import Classification
import Foundation
import TestSupport
import Testing

/// The temperature fit against SciPy on the shipped model's validation logits, and its behaviour
/// on synthetic data.
@Suite struct TemperatureScalingTests {
    static let fixtures = PackagePaths.inPackage("Tests/ClassificationTests/Fixtures")

    /// `Fixtures/agnews-gru-validation-logits.csv` (label, logits) with the figures SciPy computed
    /// from it (`scripts/calibration-reference`).
    static func reference() throws -> (data: LabelledLogits, expected: [String: Double]) {
        let text = try String(contentsOf: fixtures.appendingPathComponent("agnews-gru-validation-logits.csv"), encoding: .utf8)
        var labels: [Int] = []
        var logits: [Float] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            labels.append(Int(fields[0])!)
            logits += fields.dropFirst().map { Float(String($0))! }
        }
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixtures.appendingPathComponent("agnews-gru-validation-expected.json"))) as! [String: Any]
        let expected = json.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        return (try LabelledLogits(logits: logits, labels: labels, classCount: 4), expected)
    }

    @Test func fittedTemperatureMatchesSciPy() throws {
        let (data, expected) = try Self.reference()
        #expect(Double(data.count) == expected["items"])
        let fit = TemperatureScaling.fit(data)
        #expect(abs(fit.temperature - expected["temperature"]!) < 1e-3, "T \(fit.temperature), SciPy \(expected["temperature"]!)")
        #expect(!fit.isAtBound)
        #expect(abs(fit.negativeLogLikelihoodBefore - expected["nll_before"]!) < 1e-6)
        #expect(abs(fit.negativeLogLikelihood - expected["nll_after"]!) < 1e-6)
        let before = CalibrationMetrics(data), after = CalibrationMetrics(data, temperature: fit.temperature)
        #expect(abs(before.expectedCalibrationError - expected["ece_before"]!) < 1e-6)
        #expect(abs(after.expectedCalibrationError - expected["ece_after"]!) < 1e-4)
        #expect(abs(after.accuracy - expected["accuracy"]!) < 1e-12)
        #expect(after.negativeLogLikelihood <= before.negativeLogLikelihood)
    }

    @Test func fitIsTheMinimumOfTheNLL() throws {
        let (data, _) = try Self.reference()
        let t = TemperatureScaling.fit(data).temperature
        let best = data.negativeLogLikelihood(temperature: t)
        for factor in [0.999, 1.001, 0.9, 1.1] {
            #expect(data.negativeLogLikelihood(temperature: t * factor) >= best)
        }
    }

    @Test func overconfidentLogitsGetATemperatureAboveOne() throws {
        // Two classes; logit gap 4 (p = 0.982) but right only 3 times in 4: the NLL minimum is where
        // σ(4/T) = 0.75, T = 4 / ln 3.
        let data = try LabelledLogits(logits: [4, 0, 4, 0, 4, 0, 4, 0], labels: [0, 0, 0, 1], classCount: 2)
        let fit = TemperatureScaling.fit(data)
        #expect(abs(fit.temperature - 4 / log(3.0)) < 1e-9)
        #expect(fit.negativeLogLikelihood < fit.negativeLogLikelihoodBefore)
        #expect(abs(CalibrationMetrics(data, temperature: fit.temperature).expectedCalibrationError) < 1e-9)
    }

    @Test func separableDataStopsAtTheSmallestTemperature() throws {
        let data = try LabelledLogits(logits: [1, 0, 0, 1], labels: [0, 1], classCount: 2)
        let fit = TemperatureScaling.fit(data)
        #expect(fit.isAtBound && fit.temperature == TemperatureScaling.temperatureRange.lowerBound)
    }

    @Test func uninformativeDataStopsAtTheLargestTemperature() throws {
        // Always wrong with confidence: the NLL falls as T grows.
        let data = try LabelledLogits(logits: [1, 0, 0, 1], labels: [1, 0], classCount: 2)
        let fit = TemperatureScaling.fit(data)
        #expect(fit.isAtBound && fit.temperature == TemperatureScaling.temperatureRange.upperBound)
    }
}
