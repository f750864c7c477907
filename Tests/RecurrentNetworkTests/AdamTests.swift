import RecurrentNetwork
import TestSupport
import Testing

/// Adam against the `adam_step` fixture (PyTorch `torch.optim.Adam`, same batch each step).
@Suite(.onNumericsThreads) struct AdamTests {
    /// The fixture README's tolerance for parameters after Adam steps.
    static let tolerance = (atol: 2e-6, rtol: 1e-5)

    @Test func matchesPyTorchAfterOneAndThreeSteps() throws {
        let fixture = try GRUFixture("adam_step")
        var network = ClassifierNetwork(parameters: try fixture.parameters())
        var adam = try Adam(architecture: network.architecture)
        var gradients = try ModelParameters(zerosFor: network.architecture)
        var losses: [Float] = []
        for step in 1...3 {
            losses.append(try network.lossAndGradients(
                try fixture.batch(), labels: try fixture.labels(), mode: .evaluation, into: &gradients))
            try adam.update(&network.parameters, gradients: gradients)
            #expect(adam.state.step == step)
            if step == 1 || step == 3 {
                for name in network.parameters.names {
                    try fixture.expectClose(
                        network.parameters[name], "step\(step).\(name)", atol: Self.tolerance.atol, rtol: Self.tolerance.rtol)
                }
            }
        }
        let after = try network.forward(try fixture.batch())
        losses.append(try SoftmaxCrossEntropy.loss(logits: after.logits.values, labels: try fixture.labels(), classCount: 4))
        try fixture.expectClose(Tensor(shape: [4], values: losses), "step_losses", atol: 1e-5)
    }

    @Test func restoredStateContinuesIdentically() throws {
        let fixture = try GRUFixture("adam_step")
        var network = ClassifierNetwork(parameters: try fixture.parameters())
        var adam = try Adam(architecture: network.architecture)
        var gradients = try ModelParameters(zerosFor: network.architecture)
        try network.lossAndGradients(try fixture.batch(), labels: try fixture.labels(), mode: .evaluation, into: &gradients)
        try adam.update(&network.parameters, gradients: gradients)

        var resumed = try Adam(architecture: network.architecture)
        resumed.state = try AdamState(
            step: adam.state.step, firstMoment: adam.state.firstMoment, secondMoment: adam.state.secondMoment)
        var resumedNetwork = network
        for _ in 0..<2 {
            try network.lossAndGradients(try fixture.batch(), labels: try fixture.labels(), mode: .evaluation, into: &gradients)
            try adam.update(&network.parameters, gradients: gradients)
            try resumedNetwork.lossAndGradients(try fixture.batch(), labels: try fixture.labels(), mode: .evaluation, into: &gradients)
            try resumed.update(&resumedNetwork.parameters, gradients: gradients)
        }
        #expect(network.parameters == resumedNetwork.parameters)
        for name in network.parameters.names {
            try fixture.expectClose(network.parameters[name], "step3.\(name)", atol: Self.tolerance.atol, rtol: Self.tolerance.rtol)
        }
    }

    /// PyTorch's dense Adam: an embedding row with nonzero m keeps moving under a zero gradient;
    /// a row never used (m = v = 0) never moves.
    @Test func rowsWithMomentumMoveUnderZeroGradient() throws {
        let fixture = try GRUFixture("adam_step")
        var network = ClassifierNetwork(parameters: try fixture.parameters())
        var adam = try Adam(architecture: network.architecture)
        var gradients = try ModelParameters(zerosFor: network.architecture)
        try network.lossAndGradients(try fixture.batch(), labels: try fixture.labels(), mode: .evaluation, into: &gradients)
        try adam.update(&network.parameters, gradients: gradients)
        let before = network.parameters["embedding.weight"].values
        try adam.update(&network.parameters, gradients: try ModelParameters(zerosFor: network.architecture))
        let after = network.parameters["embedding.weight"].values
        let e = network.architecture.embeddingSize
        let batch = try fixture.batch()
        var used = Set<Int>()
        for item in 0..<batch.batchSize {
            for position in 0..<batch.lengths[item] { used.insert(Int(batch.id(item: item, position: position))) }
        }
        for row in 0..<network.architecture.vocabSize {
            let moved = (0..<e).contains { before[row * e + $0] != after[row * e + $0] }
            #expect(moved == used.contains(row), "row \(row)")
        }
    }

    @Test func refusesGradientsOfAnotherArchitecture() throws {
        let fixture = try GRUFixture("adam_step")
        var parameters = try fixture.parameters()
        var adam = try Adam(architecture: parameters.architecture)
        let other = try GRUFixture("bi1_masked_mean")
        #expect(throws: ModelParametersError.self) {
            try adam.update(&parameters, gradients: try ModelParameters(zerosFor: other.configuration.architecture))
        }
    }
}
