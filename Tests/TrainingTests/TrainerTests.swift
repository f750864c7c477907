import RecurrentNetwork
import TestSupport
import Testing
@testable import Training

@Suite(.onNumericsThreads) struct TrainerTests {
    static let batch = try! TokenBatch(ids: [1, 4, 5, 2, 1, 6, 2, 3, 1, 7, 4, 2], lengths: [4, 3, 4])
    static let labels = [0, 3, 1]

    static func trainer(clipNorm: Double? = nil) throws -> Trainer {
        let configuration = TrainingFixtures.configuration.modelConfiguration(vocabularySize: 8)
        let parameters = try ModelParameters(architecture: configuration.architecture, seed: 1)
        return try Trainer(parameters: parameters, optimizer: Adam(architecture: configuration.architecture, learningRate: 0.01), clipNorm: clipNorm)
    }

    @Test func stepsLowerTheLossOnARepeatedBatch() throws {
        var trainer = try Self.trainer()
        let first = try trainer.step(Self.batch, labels: Self.labels, dropoutSeed: 0)
        var last = first
        for step in 1..<30 { last = try trainer.step(Self.batch, labels: Self.labels, dropoutSeed: UInt64(step)) }
        #expect(last.loss < first.loss)
        #expect(trainer.optimizer.state.step == 30)
    }

    @Test func stepEqualsForwardBackwardAndAdamByHand() throws {
        var trainer = try Self.trainer()
        let network = trainer.network
        var gradients = network.parameters
        let pass = try network.forward(Self.batch, mode: .training(dropoutSeed: 9))
        let loss = try network.backward(pass, labels: Self.labels, into: &gradients)
        var optimizer = trainer.optimizer
        var parameters = network.parameters
        try optimizer.update(&parameters, gradients: gradients)

        let result = try trainer.step(Self.batch, labels: Self.labels, dropoutSeed: 9)
        #expect(result.loss == loss)
        #expect(trainer.network.parameters == parameters)
        #expect(result.correct == Trainer.correctCount(probabilities: pass.probabilityValues, labels: Self.labels, classCount: 4))
    }

    @Test func clippingChangesTheUpdate() throws {
        var plain = try Self.trainer()
        var clipped = try Self.trainer(clipNorm: 1e-3)
        // Adam is invariant to a constant gradient scale; clipping's per-step scale is not constant.
        for step in 0..<3 {
            try plain.step(Self.batch, labels: Self.labels, dropoutSeed: UInt64(step))
            try clipped.step(Self.batch, labels: Self.labels, dropoutSeed: UInt64(step))
        }
        #expect(plain.network.parameters != clipped.network.parameters)
    }

    @Test func labelOutsideTheClassesIsANumericsError() throws {
        var trainer = try Self.trainer()
        #expect(throws: TrainingError.self) { try trainer.step(Self.batch, labels: [0, 9, 1], dropoutSeed: 0) }
    }
}
