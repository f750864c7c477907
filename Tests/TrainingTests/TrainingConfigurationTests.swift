import Foundation
import RecurrentNetwork
import TestSupport
import Testing
@testable import Training

@Suite(.onNumericsThreads) struct TrainingConfigurationTests {
    @Test func defaultsAreValidAndGiveAMaskedModel() throws {
        let configuration = TrainingConfiguration()
        try configuration.validate()
        let model = configuration.modelConfiguration(vocabularySize: 12351)
        try model.validate()
        #expect(model.architecture.padding == .masked)
        #expect(model.specialTokens == .standard)
    }

    @Test func roundTripsThroughJSONWithSnakeCaseKeys() throws {
        var configuration = TrainingConfiguration()
        configuration.clipNorm = 5
        configuration.limit = 10
        configuration.learningRateDecay = 0.5
        let data = try JSONEncoder().encode(configuration)
        let keys = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any]).keys
        #expect(keys.contains("vocab_threshold") && keys.contains("eval_every") && keys.contains("valid_fraction") && keys.contains("lr_decay"))
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: data) == configuration)
    }

    func rejected(_ change: (inout TrainingConfiguration) -> Void, option: String) -> Bool {
        var configuration = TrainingConfiguration()
        change(&configuration)
        do {
            try configuration.validate()
            return false
        } catch {
            guard case .invalidConfiguration(let named, _) = error.kind else { return false }
            return named == option && error.isBadInput
        }
    }

    @Test func zeroLayersAreRejected() { #expect(rejected({ $0.numLayers = 0 }, option: "--layers")) }
    @Test func dropoutOfOneIsRejected() { #expect(rejected({ $0.dropout = 1 }, option: "--dropout")) }
    @Test func negativeRNNDropoutIsRejected() { #expect(rejected({ $0.rnnDropout = -0.1 }, option: "--rnn-dropout")) }
    @Test func zeroBatchSizeIsRejected() { #expect(rejected({ $0.batchSize = 0 }, option: "--batch-size")) }
    @Test func validationFractionOfOneIsRejected() { #expect(rejected({ $0.validationFraction = 1 }, option: "--valid-fraction")) }
    @Test func evaluationIntervalAboveOneIsRejected() { #expect(rejected({ $0.evaluationInterval = 1.5 }, option: "--eval-every")) }
    @Test func nonPositiveLearningRateIsRejected() { #expect(rejected({ $0.learningRate = 0 }, option: "--learning-rate")) }
    @Test func zeroLearningRateDecayIsRejected() { #expect(rejected({ $0.learningRateDecay = 0 }, option: "--lr-decay")) }
    @Test func learningRateDecayAboveOneIsRejected() { #expect(rejected({ $0.learningRateDecay = 1.5 }, option: "--lr-decay")) }

    @Test func learningRateDecaysOncePerEpoch() {
        var configuration = TrainingConfiguration()
        configuration.learningRate = 2e-3
        #expect(configuration.learningRate(epoch: 3) == 2e-3)
        configuration.learningRateDecay = 0.5
        #expect(configuration.learningRate(epoch: 0) == 2e-3)
        #expect(configuration.learningRate(epoch: 1) == 1e-3)
        #expect(configuration.learningRate(epoch: 3) == 2.5e-4)
    }

    @Test func nonPositiveClipNormIsRejected() { #expect(rejected({ $0.clipNorm = 0 }, option: "--clip-norm")) }
    @Test func tooShortMaxLengthIsRejected() { #expect(rejected({ $0.maxLength = 2 }, option: "--max-length")) }
    @Test func negativeThresholdIsRejected() { #expect(rejected({ $0.vocabularyThreshold = -1 }, option: "--vocab-threshold")) }
    @Test func zeroLimitIsRejected() { #expect(rejected({ $0.limit = 0 }, option: "--limit")) }
}
