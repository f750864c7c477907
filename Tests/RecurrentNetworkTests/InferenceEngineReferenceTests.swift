import Checkpoint
import Foundation
import RecurrentNetwork
import SafeTensors
import TestSupport
import Testing

/// The engine against a plain float64 implementation of the fixtures README's equations, on
/// every combination the architecture allows (cell, layers, directions, pooling, concat-last,
/// padding) — most of which have no PyTorch fixture (e.g. a 2-layer bidirectional LSTM).
/// The reference itself is first checked against all PyTorch fixtures to 1e-9.
@Suite(.onNumericsThreads) struct InferenceEngineReferenceTests {
    static let fixtureCases = [
        "uni2_masked_mean", "uni2_masked_max", "bi1_masked_mean", "uni2_seed_unmasked_mean",
        "concat_last", "lstm2_masked_mean", "rnn1_masked_max", "rnn2_seed_unmasked_mean",
    ]

    @Test(arguments: fixtureCases)
    func referenceMatchesPyTorchFixture(_ name: String) throws {
        let directory = PackagePaths.inShared("fixtures/gru")
        let weights = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("\(name).weights.safetensors"))
        let expected = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("\(name).expected.safetensors"))
        let meta = weights.metadata.mapValues { $0.replacingOccurrences(of: "\"", with: "") }
        let hidden = Int(meta["H"]!)!
        let configuration = ModelConfiguration(architecture: .init(
            cell: meta["cell"].flatMap(ModelArchitecture.Cell.init(rawValue:)) ?? .gru,
            vocabSize: Int(meta["V"]!)!, embeddingSize: hidden, hiddenSize: hidden,
            numLayers: Int(meta["num_layers"]!)!, bidirectional: meta["bidirectional"] == "true",
            pooling: ModelArchitecture.Pooling(rawValue: meta["pool"]!)!, concatLast: meta["concat_last"] == "true",
            padding: meta["masked"] == "true" ? .masked : .notebook, numClasses: Int(meta["classes"]!)!))
        var parameters: [String: [Double]] = [:]
        for tensor in weights.names { parameters[tensor] = try weights.tensor(tensor).doubles() }
        let reference = ReferenceClassifier(configuration: configuration, parameters: parameters)
        let ids = try expected.tensor("input_ids").int64s().map { Int($0) }
        let lengths = try expected.tensor("lengths").int64s().map { Int($0) }
        let logits = try expected.tensor("logits").doubles()
        let time = ids.count / lengths.count
        for (b, length) in lengths.enumerated() {
            let ours = reference.logits(ids: Array(ids[(b * time)..<((b + 1) * time)]), length: length)
            for c in 0..<4 {
                #expect(abs(ours[c] - logits[b * 4 + c]) <= 1e-9, "\(name) item \(b) class \(c): \(ours[c]) vs \(logits[b * 4 + c])")
            }
        }
    }

    /// Every cell × direction × pooling × concat-last × padding, with 1 to 3 layers, E ≠ H, a
    /// batch of mixed lengths; run single-threaded with the default chunking, and split across
    /// threads with one-step input-projection chunks. Logits within the README's float32
    /// tolerance of the reference.
    @Test(arguments: ModelArchitecture.Cell.allCases, [false, true])
    func engineMatchesReferenceOnEveryArchitecture(cell: ModelArchitecture.Cell, bidirectional: Bool) throws {
        var generator = ReferenceGenerator(seed: UInt64(cell.gateCount * 2 + (bidirectional ? 1 : 0)))
        let batch = 7, time = 9, vocabulary = 30
        let lengths = (0..<batch).map { _ in 1 + Int(generator.next() % UInt64(time)) }
        let ids = (0..<(batch * time)).map { _ in Int32(generator.next() % UInt64(vocabulary)) }
        for layers in 1...3 {
            for pooling in ModelArchitecture.Pooling.allCases {
                for concatLast in [false, true] {
                    for padding in ModelArchitecture.Padding.allCases {
                        let configuration = ModelConfiguration(architecture: .init(
                            cell: cell, vocabSize: vocabulary, embeddingSize: 6, hiddenSize: 5, numLayers: layers,
                            bidirectional: bidirectional, pooling: pooling, concatLast: concatLast,
                            padding: padding, numClasses: 3))
                        let label = "\(cell) layers \(layers) bi \(bidirectional) \(pooling) concat \(concatLast) \(padding)"
                        var parameters: [String: Tensor] = [:]
                        for (name, shape) in configuration.architecture.parameterShapes {
                            let values = (0..<shape.reduce(1, *)).map { _ in generator.uniform(-0.6, 0.6) }
                            parameters[name] = Tensor(shape: shape, values: values)
                        }
                        let reference = ReferenceClassifier(
                            configuration: configuration, parameters: parameters.mapValues { $0.values.map(Double.init) })
                        let single = try InferenceEngine(architecture: configuration.architecture, parameters: parameters)
                        let threaded = try InferenceEngine(
                            architecture: configuration.architecture, parameters: parameters,
                            options: .init(threadCount: 2, minimumItemsPerThread: 2, inputProjectionChunkRows: 1))
                        for engine in [single, threaded] {
                            let logits = try engine.logits(ids: ids, lengths: lengths, time: time).values
                            for b in 0..<batch {
                                let expected = reference.logits(
                                    ids: ids[(b * time)..<((b + 1) * time)].map { Int($0) }, length: lengths[b])
                                for c in 0..<3 {
                                    let error = abs(Double(logits[b * 3 + c]) - expected[c])
                                    #expect(error <= 1e-5 + 1e-4 * abs(expected[c]),
                                            "\(label) threads \(engine.options.threadCount) item \(b) class \(c): \(logits[b * 3 + c]) vs \(expected[c])")
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The classifier written out per item in float64, straight from the fixtures README:
/// embedding → stacked (bi)directional cell → pooling (‖ last) → tanh → linear → tanh → projection.
private struct ReferenceClassifier {
    let configuration: ModelConfiguration
    let parameters: [String: [Double]]

    /// Logits of one item: `ids` is its padded row `[time]`; masked mode reads `ids[0..<length]`,
    /// notebook mode all of `ids`.
    func logits(ids: [Int], length: Int) -> [Double] {
        let a = configuration.architecture
        let steps = a.padding == .masked ? length : ids.count
        let embedding = parameters["embedding.weight"]!
        var sequence = (0..<steps).map { t in Array(embedding[(ids[t] * a.embeddingSize)..<((ids[t] + 1) * a.embeddingSize)]) }
        var lastForward: [Double] = [], firstReverse: [Double] = []
        for layer in 0..<a.numLayers {
            let forward = run(sequence, key: "l\(layer)")
            var outputs = forward
            if a.bidirectional {
                let reverse = Array(run(Array(sequence.reversed()), key: "l\(layer)_reverse").reversed())
                outputs = zip(forward, reverse).map { $0 + $1 }
                firstReverse = reverse[0]
            }
            lastForward = forward[steps - 1]
            sequence = outputs
        }
        let width = a.outputSize
        var pooled = (0..<width).map { j -> Double in
            let column = sequence.map { $0[j] }
            return a.pooling == .mean ? column.reduce(0, +) / Double(steps) : column.max()!
        }
        if a.concatLast { pooled += lastForward + (a.bidirectional ? firstReverse : []) }
        let hidden = linear("linear", pooled.map(Foundation.tanh)).map(Foundation.tanh)
        return linear("projection", hidden)
    }

    /// `y = W x + b` with PyTorch's `[out, in]` weight.
    private func linear(_ name: String, _ x: [Double]) -> [Double] {
        let weight = parameters["\(name).weight"]!, bias = parameters["\(name).bias"]!
        return bias.indices.map { o in bias[o] + x.indices.reduce(0) { $0 + weight[o * x.count + $1] * x[$1] } }
    }

    /// One direction of one layer over `inputs` in the given order, from zero state.
    private func run(_ inputs: [[Double]], key: String) -> [[Double]] {
        let h = configuration.architecture.hiddenSize
        let wih = parameters["rnn.weight_ih_\(key)"]!, whh = parameters["rnn.weight_hh_\(key)"]!
        let bih = parameters["rnn.bias_ih_\(key)"]!, bhh = parameters["rnn.bias_hh_\(key)"]!
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        var state = [Double](repeating: 0, count: h), cell = [Double](repeating: 0, count: h)
        var outputs: [[Double]] = []
        for x in inputs {
            // gi[row] = W_ih x + b_ih, gh[row] = W_hh h + b_hh, rows in gate blocks of H.
            let gi = bih.indices.map { row in bih[row] + x.indices.reduce(0) { $0 + wih[row * x.count + $1] * x[$1] } }
            let gh = bhh.indices.map { row in bhh[row] + (0..<h).reduce(0) { $0 + whh[row * h + $1] * state[$1] } }
            switch configuration.architecture.cell {
            case .gru:
                state = (0..<h).map { j in
                    let r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[h + j] + gh[h + j])
                    let n = Foundation.tanh(gi[2 * h + j] + r * gh[2 * h + j])
                    return (1 - z) * n + z * state[j]
                }
            case .lstm:
                for j in 0..<h {
                    let i = sigmoid(gi[j] + gh[j]), f = sigmoid(gi[h + j] + gh[h + j])
                    let g = Foundation.tanh(gi[2 * h + j] + gh[2 * h + j]), o = sigmoid(gi[3 * h + j] + gh[3 * h + j])
                    cell[j] = f * cell[j] + i * g
                    state[j] = o * Foundation.tanh(cell[j])
                }
            case .rnn:
                state = (0..<h).map { j in Foundation.tanh(gi[j] + gh[j]) }
            }
            outputs.append(state)
        }
        return outputs
    }
}

/// SplitMix64 (Steele et al. 2014): deterministic test weights and inputs.
private struct ReferenceGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) / Float(1 << 24)
    }
}
