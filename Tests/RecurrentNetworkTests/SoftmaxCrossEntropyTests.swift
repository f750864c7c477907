import RecurrentNetwork
import TestSupport
import Testing

@Suite(.onNumericsThreads) struct SoftmaxCrossEntropyTests {
    @Test(arguments: ["uni2_masked_mean", "lstm2_masked_mean", "rnn2_seed_unmasked_mean"])
    func matchesPyTorchOnFixtureLogits(caseName: String) throws {
        let fixture = try GRUFixture(caseName)
        let logits = try fixture.values("logits").values.map(Float.init)
        let probabilities = SoftmaxCrossEntropy.probabilities(logits: logits, classCount: 4)
        try fixture.expectClose(Tensor(shape: [5, 4], values: probabilities), "probabilities", atol: 1e-7, rtol: 1e-6)
        let loss = try SoftmaxCrossEntropy.loss(logits: logits, labels: try fixture.labels(), classCount: 4)
        try fixture.expectClose(Tensor(shape: [1], values: [loss]), "loss", atol: 1e-6)
    }

    @Test func refusesLabelCountMismatch() {
        #expect(throws: ClassifierInputError.labelCountMismatch(labelCount: 1, batchSize: 2)) {
            try SoftmaxCrossEntropy.loss(logits: [0, 1, 2, 3], labels: [0], classCount: 2)
        }
    }

    @Test func refusesNegativeLabel() {
        #expect(throws: ClassifierInputError.labelOutOfRange(item: 0, label: -1, classCount: 2)) {
            try SoftmaxCrossEntropy.loss(logits: [0, 1], labels: [-1], classCount: 2)
        }
    }
}
