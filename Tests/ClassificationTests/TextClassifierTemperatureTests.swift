import Checkpoint
import Classification
import Foundation
import TestSupport
import Testing

/// The classifier's probabilities are `softmax(logits / T)` with the checkpoint's temperature;
/// the logits and the labels do not depend on it.
@Suite(.onNumericsThreads) struct TextClassifierTemperatureTests {
    static let texts = [
        "Stocks fell sharply on Wall Street as oil prices rose", "The team won the cup after extra time",
        "A new chip promises faster laptops", "Rebels and the army agreed to a ceasefire",
    ]

    @Test func probabilitiesAreTheSoftmaxOfTheLogitsOverTheTemperature() throws {
        let checkpoint = try Checkpoint.load(from: PackagePaths.shippedModel)
        for temperature in [checkpoint.configuration.temperature, 1, 2.5] {
            var scaled = checkpoint
            scaled.configuration.temperature = temperature
            let classifier = try TextClassifier(checkpoint: scaled, name: "t")
            let logits = try classifier.logits(texts: Self.texts)
            let predictions = try classifier.classify(texts: Self.texts)
            let reference = try LabelledLogits(logits: logits, labels: predictions.map(\.labelID), classCount: 4)
                .probabilities(temperature: temperature)
            for (i, prediction) in predictions.enumerated() {
                for c in 0..<4 {
                    #expect(abs(Double(prediction.probabilities[c]) - reference[i * 4 + c]) < 1e-5, "T \(temperature) item \(i)")
                }
            }
        }
    }

    @Test func temperatureChangesNeitherLogitsNorLabels() throws {
        let checkpoint = try Checkpoint.load(from: PackagePaths.shippedModel)
        var hot = checkpoint
        hot.configuration.temperature = 3
        let plain = try TextClassifier(checkpoint: checkpoint, name: "a"), flat = try TextClassifier(checkpoint: hot, name: "b")
        #expect(try plain.logits(texts: Self.texts) == flat.logits(texts: Self.texts))
        let a = try plain.classify(texts: Self.texts), b = try flat.classify(texts: Self.texts)
        #expect(a.map(\.labelID) == b.map(\.labelID))
        for (x, y) in zip(a, b) { #expect(y.probabilities.max()! <= x.probabilities.max()! + 1e-6) }
    }
}
