import RecurrentNetwork
import TestSupport
import Testing

@Suite(.onNumericsThreads) struct ModelParametersTests {
    func fixtureTensors() throws -> (GRUFixture, [String: Tensor]) {
        let fixture = try GRUFixture("bi1_masked_mean")
        return (fixture, Dictionary(uniqueKeysWithValues: try fixture.parameters().namedTensors.map { ($0.name, $0.tensor) }))
    }

    @Test func keepsStateDictOrder() throws {
        let (fixture, tensors) = try fixtureTensors()
        let parameters = try ModelParameters(architecture: fixture.configuration.architecture, tensors: tensors)
        #expect(parameters.names == fixture.configuration.architecture.parameterShapes.map(\.name))
        #expect(parameters.names.contains("rnn.weight_hh_l0_reverse"))
        for name in parameters.names { #expect(parameters[name] == tensors[name]) }
    }

    @Test func refusesMissingTensor() throws {
        let (fixture, tensors) = try fixtureTensors()
        var incomplete = tensors
        incomplete["rnn.bias_hh_l0_reverse"] = nil
        #expect(throws: ModelParametersError(tensor: "rnn.bias_hh_l0_reverse", kind: .missing(expectedShape: [24]))) {
            try ModelParameters(architecture: fixture.configuration.architecture, tensors: incomplete)
        }
    }

    @Test func refusesWrongShape() throws {
        let (fixture, tensors) = try fixtureTensors()
        var wrong = tensors
        wrong["linear.weight"] = Tensor(zeros: [8, 16])
        #expect(throws: ModelParametersError(tensor: "linear.weight", kind: .shapeMismatch(expected: [16, 16], actual: [8, 16]))) {
            try ModelParameters(architecture: fixture.configuration.architecture, tensors: wrong)
        }
    }

    @Test func refusesUnexpectedTensor() throws {
        let (fixture, tensors) = try fixtureTensors()
        var extra = tensors
        extra["rnn.weight_ih_l1"] = Tensor(zeros: [24, 16])
        #expect(throws: ModelParametersError(tensor: "rnn.weight_ih_l1", kind: .unexpected)) {
            try ModelParameters(architecture: fixture.configuration.architecture, tensors: extra)
        }
    }

    @Test func refusesZeroLayers() throws {
        var configuration = try GRUFixture("uni2_masked_mean").configuration
        configuration.architecture.numLayers = 0
        #expect(throws: ModelParametersError.self) { try ModelParameters(zerosFor: configuration.architecture) }
    }

    @Test func refusesDropoutOfOne() throws {
        var configuration = try GRUFixture("uni2_masked_mean").configuration
        configuration.architecture.dropout = 1
        #expect(throws: ModelParametersError.self) { try ModelParameters(architecture: configuration.architecture, seed: 1) }
    }

    @Test func refusesUnknownNameAndWrongShapeOnAccess() throws {
        let (fixture, tensors) = try fixtureTensors()
        var parameters = try ModelParameters(architecture: fixture.configuration.architecture, tensors: tensors)
        #expect(throws: ModelParametersError(tensor: "rnn.weight_ih_l7", kind: .unexpected)) {
            try parameters.tensor(named: "rnn.weight_ih_l7")
        }
        #expect(throws: ModelParametersError(tensor: "linear.bias", kind: .shapeMismatch(expected: [16], actual: [4]))) {
            try parameters.setTensor(Tensor(zeros: [4]), named: "linear.bias")
        }
    }

    @Test func randomInitializationIsDeterministicPerSeed() throws {
        let configuration = try GRUFixture("lstm2_masked_mean").configuration
        let a = try ModelParameters(architecture: configuration.architecture, seed: 2024)
        let b = try ModelParameters(architecture: configuration.architecture, seed: 2024)
        let c = try ModelParameters(architecture: configuration.architecture, seed: 2025)
        #expect(a == b)
        for name in a.names { #expect(a[name] != c[name], "\(name)") }
    }

    /// PyTorch's default initializers: N(0,1) embedding; U(±1/√H) recurrent tensors;
    /// U(±1/√in) linear weights and biases.
    @Test func randomInitializationFollowsPyTorchDefaults() throws {
        let architecture = ModelArchitecture(
            cell: .gru, vocabSize: 2000, embeddingSize: 64, hiddenSize: 100, numLayers: 2, bidirectional: true,
            concatLast: true)
        let parameters = try ModelParameters(architecture: architecture, seed: 9)
        for (name, tensor) in parameters.namedTensors {
            let values = tensor.values.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            if name == "embedding.weight" {
                #expect(abs(mean) < 0.01)
                #expect(abs(variance - 1) < 0.02)
            } else {
                let fanIn = name.hasPrefix("rnn.") ? architecture.hiddenSize : architecture.headSize
                let bound = 1 / Double(fanIn).squareRoot()
                #expect(values.allSatisfy { abs($0) <= bound }, "\(name)")
                if values.count >= 10_000 {
                    // U(−b, b) has variance b²/3.
                    #expect(abs(variance - bound * bound / 3) < 0.03 * bound * bound, "\(name)")
                }
                if values.count >= 100 {
                    #expect(values.contains { abs($0) > 0.9 * bound }, "\(name)")
                }
            }
        }
    }
}
