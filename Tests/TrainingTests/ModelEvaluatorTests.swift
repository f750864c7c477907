import RecurrentNetwork
import TestSupport
import Testing
import TextPipeline
@testable import Training

@Suite(.onNumericsThreads) struct ModelEvaluatorTests {
    static let items: [EncodedText] = [
        EncodedText(ids: [1, 4, 5, 2], isTruncated: false, tokenCount: 2),
        EncodedText(ids: [1, 6, 2], isTruncated: false, tokenCount: 1),
        EncodedText(ids: [1, 7, 4, 6, 5, 2], isTruncated: false, tokenCount: 4),
    ]
    static let labels = [0, 3, 1]

    static func parameters() throws -> ModelParameters {
        var configuration = TrainingFixtures.configuration
        configuration.numLayers = 2
        return try ModelParameters(architecture: configuration.modelConfiguration(vocabularySize: 8).architecture, seed: 3)
    }

    @Test func lossAndPredictionsMatchTheTrainingNetworksForwardPass() throws {
        let parameters = try Self.parameters()
        let batch = PaddingCollator().collate(Self.items)
        let pass = try ClassifierNetwork(parameters: parameters).forward(TokenBatch(ids: batch.ids, lengths: batch.lengths))
        let expectedLoss = try SoftmaxCrossEntropy.loss(logits: pass.logits.values, labels: Self.labels, classCount: 4)
        let expectedPredictions = (0..<3).map { item in
            let row = Array(pass.probabilityValues[(item * 4)..<(item * 4 + 4)])
            return row.indices.max { row[$0] < row[$1] }!
        }
        // Batches of 2 and 1: masked padding makes the result independent of the batching.
        let result = try ModelEvaluator(parameters: parameters, batchSize: 2).evaluate(Self.items, labels: Self.labels)
        #expect(abs(result.loss - Double(expectedLoss)) < 1e-5)
        #expect(result.predictions == expectedPredictions)
        let correct = zip(expectedPredictions, Self.labels).filter { $0 == $1 }.count
        #expect(result.accuracy == Double(correct) / 3)
    }

    @Test func idOutsideTheVocabularyIsANumericsError() throws {
        let bad = [EncodedText(ids: [1, 99, 2], isTruncated: false, tokenCount: 1)]
        #expect {
            try ModelEvaluator(parameters: Self.parameters()).evaluate(bad, labels: [0])
        } throws: { error in
            guard let error = error as? TrainingError, case .numerics = error.kind else { return false }
            return !error.isBadInput
        }
    }
}
