import Foundation
import RecurrentNetwork
import TestSupport
import Testing

/// The forward pass and gradients against every PyTorch fixture case, plus the masked-semantics
/// property and input validation.
@Suite(.onNumericsThreads) struct ClassifierNetworkTests {
    /// Tolerances of the fixture README ("Suggested tolerances").
    static let activation = (atol: 1e-5, rtol: 1e-4)
    static let gradient = (atol: 1e-6, rtol: 1e-4)

    @Test(arguments: GRUFixture.allCases)
    func forwardMatchesPyTorch(caseName: String) throws {
        let fixture = try GRUFixture(caseName)
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let pass = try network.forward(try fixture.batch())
        try fixture.expectClose(pass.recurrentOutput, "rnn_output", atol: Self.activation.atol, rtol: Self.activation.rtol)
        try fixture.expectClose(pass.finalHiddenState, "h_n", atol: Self.activation.atol, rtol: Self.activation.rtol)
        if network.architecture.cell == .lstm {
            let cellState = try #require(pass.finalCellState)
            try fixture.expectClose(cellState, "c_n", atol: Self.activation.atol, rtol: Self.activation.rtol)
        } else {
            #expect(pass.finalCellState == nil)
        }
        try fixture.expectClose(pass.pooled, "pooled", atol: Self.activation.atol, rtol: Self.activation.rtol)
        try fixture.expectClose(pass.hidden, "hidden", atol: Self.activation.atol, rtol: Self.activation.rtol)
        try fixture.expectClose(pass.logits, "logits", atol: Self.activation.atol, rtol: Self.activation.rtol)
        try fixture.expectClose(pass.probabilities, "probabilities", atol: Self.activation.atol, rtol: Self.activation.rtol)
    }

    @Test(arguments: GRUFixture.allCases)
    func lossAndGradientsMatchPyTorch(caseName: String) throws {
        let fixture = try GRUFixture(caseName)
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let pass = try network.forward(try fixture.batch())
        var gradients = try ModelParameters(zerosFor: network.architecture)
        let loss = try network.backward(pass, labels: try fixture.labels(), into: &gradients)
        try fixture.expectClose(Tensor(shape: [1], values: [loss]), "loss", atol: 1e-5)
        for name in gradients.names {
            try fixture.expectClose(gradients[name], "grad.\(name)", atol: Self.gradient.atol, rtol: Self.gradient.rtol)
        }
    }

    @Test func backwardOverwritesReusedGradients() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        var gradients = try ModelParameters(zerosFor: network.architecture)
        for _ in 0..<2 {
            try network.lossAndGradients(try fixture.batch(), labels: try fixture.labels(), mode: .evaluation, into: &gradients)
        }
        for name in gradients.names {
            try fixture.expectClose(gradients[name], "grad.\(name)", atol: Self.gradient.atol, rtol: Self.gradient.rtol)
        }
    }

    /// DESIGN.md "Predictions do not depend on batching": an item alone and the same item next to
    /// a 256-token item get the same probabilities.
    @Test(arguments: ["uni2_masked_mean", "uni2_masked_max", "bi1_masked_mean", "concat_last", "lstm2_masked_mean", "rnn1_masked_max"])
    func maskedPredictionsDoNotDependOnBatching(caseName: String) throws {
        let fixture = try GRUFixture(caseName)
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let batch = try fixture.batch()
        let vocabulary = network.architecture.vocabSize
        var generator = SplitMix64(seed: 42)
        let long = (0..<256).map { _ in Int32(generator.next() % UInt64(vocabulary)) }
        for item in 0..<batch.batchSize {
            let length = batch.lengths[item]
            let tokens = (0..<length).map { batch.id(item: item, position: $0) }
            let alone = try network.forward(try TokenBatch(ids: tokens, lengths: [length]))
            let padded = tokens + Array(repeating: fixture.configuration.specialTokens.pad, count: 256 - length)
            let together = try network.forward(try TokenBatch(ids: long + padded, lengths: [256, length]))
            let classes = network.architecture.numClasses
            for c in 0..<classes {
                #expect(abs(alone.probabilities.values[c] - together.probabilities.values[classes + c]) <= 1e-5)
            }
        }
    }

    @Test func notebookModeDependsOnPadding() throws {
        let fixture = try GRUFixture("uni2_seed_unmasked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let batch = try fixture.batch()
        let short = batch.lengths.firstIndex(where: { $0 < batch.time })!
        let tokens = (0..<batch.time).map { batch.id(item: short, position: $0) }
        let alone = try network.forward(try TokenBatch(ids: Array(tokens.prefix(batch.lengths[short])), lengths: [batch.lengths[short]]))
        let padded = try network.forward(try TokenBatch(ids: tokens, lengths: [batch.lengths[short]]))
        #expect(alone.probabilities != padded.probabilities)
    }

    @Test func trainingDropoutIsSeededAndEvaluationIsNot() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        var configuration = fixture.configuration
        configuration.architecture.rnnDropout = 0.3
        let network = ClassifierNetwork(parameters: try ModelParameters(architecture: configuration.architecture, tensors: Dictionary(
            uniqueKeysWithValues: try fixture.parameters().namedTensors.map { ($0.name, $0.tensor) })))
        let batch = try fixture.batch()
        let first = try network.forward(batch, mode: .training(dropoutSeed: 7))
        let again = try network.forward(batch, mode: .training(dropoutSeed: 7))
        let other = try network.forward(batch, mode: .training(dropoutSeed: 8))
        let evaluation = try network.forward(batch)
        #expect(first.logits == again.logits)
        #expect(first.logits != other.logits)
        #expect(first.logits != evaluation.logits)
        try fixture.expectClose(evaluation.logits, "logits", atol: Self.activation.atol, rtol: Self.activation.rtol)
    }

    /// Architectures the fixtures do not cover (two bidirectional layers with inter-layer and head
    /// dropout, LSTM and RNN bidirectional, concat-last of both directions, notebook mode
    /// bidirectional): with fixed dropout masks the analytic gradient matches central differences.
    @Test(arguments: [
        (ModelArchitecture.Cell.gru, ModelArchitecture.Pooling.mean, false, ModelArchitecture.Padding.masked),
        (.lstm, .mean, true, .masked),
        (.rnn, .max, true, .masked),
        (.gru, .mean, true, .notebook),
    ])
    func trainingGradientsMatchFiniteDifferences(
        cell: ModelArchitecture.Cell, pooling: ModelArchitecture.Pooling, concatLast: Bool,
        padding: ModelArchitecture.Padding
    ) throws {
        let fixture = try GRUFixture("bi1_masked_mean")
        var configuration = fixture.configuration
        configuration.architecture.cell = cell
        configuration.architecture.pooling = pooling
        configuration.architecture.concatLast = concatLast
        configuration.architecture.padding = padding
        configuration.architecture.numLayers = 2
        configuration.architecture.rnnDropout = 0.25
        configuration.architecture.dropout = 0.3
        var network = ClassifierNetwork(parameters: try ModelParameters(architecture: configuration.architecture, seed: 3))
        let batch = try fixture.batch()
        let labels = try fixture.labels()
        let mode = ForwardMode.training(dropoutSeed: 11)
        var gradients = try ModelParameters(zerosFor: configuration.architecture)
        try network.lossAndGradients(batch, labels: labels, mode: mode, into: &gradients)
        var generator = SplitMix64(seed: 5)
        for name in ["rnn.weight_ih_l1_reverse", "rnn.weight_hh_l0", "rnn.bias_hh_l1", "rnn.bias_ih_l0_reverse", "linear.weight", "embedding.weight"] {
            let tensor = network.parameters[name]
            for _ in 0..<4 {
                var k = Int(generator.next() % UInt64(tensor.count))
                if name == "embedding.weight" {
                    let id = Int(padding == .notebook ? fixture.configuration.specialTokens.pad : batch.ids[0])
                    k = id * configuration.architecture.embeddingSize + k % 8
                }
                func loss(_ delta: Float) throws -> Double {
                    var changed = tensor
                    changed.values[k] += delta
                    try network.parameters.setTensor(changed, named: name)
                    let pass = try network.forward(batch, mode: mode)
                    return Double(try SoftmaxCrossEntropy.loss(logits: pass.logits.values, labels: labels, classCount: 4))
                }
                let step: Float = 1e-2
                let numeric = (try loss(step) - loss(-step)) / (2 * Double(step))
                try network.parameters.setTensor(tensor, named: name)
                let analytic = Double(gradients[name].values[k])
                #expect(abs(numeric - analytic) <= 2e-4 + 2e-2 * abs(analytic), "\(name)[\(k)]: \(numeric) vs \(analytic)")
            }
        }
        if padding == .masked {
            let pad = Int(fixture.configuration.specialTokens.pad) * configuration.architecture.embeddingSize
            #expect(gradients["embedding.weight"].values[pad..<(pad + 8)].allSatisfy { $0 == 0 })
        }
    }

    @Test func refusesIdOutOfVocabulary() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let batch = try TokenBatch(ids: [1, 50, 2, 1, 3, 3], lengths: [3, 1])
        #expect(throws: ClassifierInputError.idOutOfRange(item: 0, position: 1, id: 50, vocabularySize: 50)) {
            try network.forward(batch)
        }
    }

    @Test func refusesNegativeId() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let batch = try TokenBatch(ids: [1, 2, 1, -4], lengths: [2, 2])
        #expect(throws: ClassifierInputError.idOutOfRange(item: 1, position: 1, id: -4, vocabularySize: 50)) {
            try network.forward(batch)
        }
    }

    @Test func maskedModeIgnoresIdsInPadding() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let clean = try network.forward(try TokenBatch(ids: [1, 2, 3], lengths: [2]))
        let junk = try network.forward(try TokenBatch(ids: [1, 2, 999], lengths: [2]))
        #expect(clean.probabilities == junk.probabilities)
    }

    @Test func notebookModeChecksIdsInPadding() throws {
        let fixture = try GRUFixture("uni2_seed_unmasked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        #expect(throws: ClassifierInputError.idOutOfRange(item: 0, position: 2, id: 999, vocabularySize: 50)) {
            try network.forward(try TokenBatch(ids: [1, 2, 999], lengths: [2]))
        }
    }

    @Test func refusesWrongLabelCount() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let pass = try network.forward(try fixture.batch())
        var gradients = try ModelParameters(zerosFor: network.architecture)
        #expect(throws: ClassifierInputError.labelCountMismatch(labelCount: 2, batchSize: 5)) {
            try network.backward(pass, labels: [0, 1], into: &gradients)
        }
    }

    @Test func refusesLabelOutOfRange() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let pass = try network.forward(try fixture.batch())
        var gradients = try ModelParameters(zerosFor: network.architecture)
        #expect(throws: ClassifierInputError.labelOutOfRange(item: 3, label: 4, classCount: 4)) {
            try network.backward(pass, labels: [0, 1, 2, 4, 0], into: &gradients)
        }
    }

    @Test func refusesForwardPassOfAnotherArchitecture() throws {
        let bidirectional = ClassifierNetwork(parameters: try GRUFixture("bi1_masked_mean").parameters())
        let fixture = try GRUFixture("uni2_masked_mean")
        let network = ClassifierNetwork(parameters: try fixture.parameters())
        let pass = try bidirectional.forward(try fixture.batch())
        var gradients = try ModelParameters(zerosFor: network.architecture)
        #expect(throws: ClassifierInputError.architectureMismatch) {
            try network.backward(pass, labels: try fixture.labels(), into: &gradients)
        }
    }
}
