import Classification
import Foundation
import SafeTensors
import TestSupport
import Testing
import TextPipeline

/// A real checkpoint end to end (text → tokens → ids → engine): the notebook's model trained in
/// PyTorch against PyTorch's outputs on the AG News test split
/// (`../shared/models/notebook-gru-partial/expected_test_outputs.safetensors`), and the shipped one.
@Suite(.onNumericsThreads) struct TextClassifierTests {
    static let root = PackagePaths.root
    static let model = root.appendingPathComponent("../shared/models/notebook-gru-partial").standardizedFileURL
    static let shipped = root.appendingPathComponent("models/agnews-gru")
    static let expected = model.appendingPathComponent("expected_test_outputs.safetensors")
    static let testSplit = root.appendingPathComponent("data/ag_news/test.csv.gz")

    @Test func singleItemsMatchPyTorch() throws {
        let classifier = try TextClassifier(directory: Self.model)
        let items = try AGNewsReader.read(contentsOf: Self.testSplit).prefix(200)
        let expected = try SafeTensorsFile(contentsOf: Self.expected)
        let logits = try expected.tensor("logits").doubles()
        let predictions = try expected.tensor("predictions").int64s()
        let lengths = try expected.tensor("lengths").int64s()
        for (i, item) in items.enumerated() {
            let encoded = classifier.encode(item.text)
            #expect(encoded.ids.count == Int(lengths[i]), "item \(i)")
            let prediction = try #require(try classifier.classify([encoded]).first)
            #expect(prediction.labelID == Int(predictions[i]), "item \(i)")
            // Probabilities are the softmax of PyTorch's float64 logits.
            let row = logits[(4 * i)..<(4 * i + 4)]
            let maxLogit = row.max()!
            let exps = row.map { Foundation.exp($0 - maxLogit) }
            for c in 0..<4 {
                #expect(abs(Double(prediction.probabilities[c]) - exps[exps.startIndex + c] / exps.reduce(0, +)) < 1e-4, "item \(i) class \(c)")
            }
        }
    }

    @Test func notebookBatchesOf32MatchPyTorch() throws {
        let classifier = try TextClassifier(directory: Self.model)
        let items = Array(try AGNewsReader.read(contentsOf: Self.testSplit).prefix(320))
        let expected = try SafeTensorsFile(contentsOf: Self.expected).tensor("batched32_predictions").int64s()
        let predictions = try classifier.classify(texts: items.map(\.text), batchSize: 32)
        #expect(predictions.map(\.labelID) == expected.prefix(320).map { Int($0) })
        #expect(predictions.allSatisfy { !$0.truncated })
    }

    /// The shipped model is batch-invariant (masked padding) and classifies real news: the first
    /// 400 test items in batches of 64 equal each item alone, and most are right.
    @Test func shippedModelIsBatchInvariantAndClassifiesRealNews() throws {
        let classifier = try TextClassifier(directory: Self.shipped)
        #expect(classifier.configuration.architecture.padding == .masked)
        #expect(classifier.name == "agnews-gru")
        let items = Array(try AGNewsReader.read(contentsOf: Self.testSplit).prefix(400))
        let batched = try classifier.classify(texts: items.map(\.text), batchSize: 64)
        let alone = try classifier.classify(texts: items.map(\.text), batchSize: 1)
        for (a, b) in zip(batched, alone) {
            #expect(a.labelID == b.labelID)
            for (p, q) in zip(a.probabilities, b.probabilities) { #expect(abs(p - q) < 1e-5) }
        }
        let correct = zip(batched, items).filter { $0.labelID == $1.label }.count
        #expect(Double(correct) / Double(items.count) > 0.85)
    }

    @Test func overlongTextIsTruncatedAndMarked() throws {
        let classifier = try TextClassifier(directory: Self.shipped)
        let text = Array(repeating: "market", count: 600).joined(separator: " ")
        let encoded = classifier.encode(text)
        #expect(encoded.ids.count == classifier.configuration.maxLength)
        #expect(try classifier.classify([encoded]).first?.truncated == true)
    }

    @Test func missingCheckpointIsRefusedWithItsPath() {
        #expect {
            try TextClassifier(directory: URL(fileURLWithPath: "/nonexistent/model"))
        } throws: { error in
            guard case ClassifierError.invalidCheckpoint(let message) = error else { return false }
            return message.contains("/nonexistent/model")
        }
    }

    @Test func explicitModelVariableMustExist() {
        #expect(throws: ClassifierError.modelNotFound(["/nonexistent/model (from NEWSCLF_MODEL)"])) {
            try ShippedModel.directory(environment: ["NEWSCLF_MODEL": "/nonexistent/model"])
        }
    }
}
