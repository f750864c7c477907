import Checkpoint
import Foundation
import RecurrentNetwork
import SafeTensors
import TestSupport
import Testing

/// One case of `../shared/fixtures/gru` (see its README): the float32 weights, the inputs, and
/// the float64 expectations computed by PyTorch, with the configuration from the header metadata.
struct GRUFixture {
    /// Every case of the fixture set, a–i.
    static let allCases = [
        "uni2_masked_mean", "uni2_masked_max", "bi1_masked_mean", "uni2_seed_unmasked_mean", "adam_step",
        "concat_last", "lstm2_masked_mean", "rnn1_masked_max", "rnn2_seed_unmasked_mean",
    ]

    static let directory = PackagePaths.inShared("fixtures/gru")

    let name: String
    let weights: SafeTensorsFile
    let expected: SafeTensorsFile
    let configuration: ModelConfiguration

    init(_ name: String) throws {
        self.name = name
        weights = try SafeTensorsFile(contentsOf: Self.directory.appendingPathComponent("\(name).weights.safetensors"))
        expected = try SafeTensorsFile(contentsOf: Self.directory.appendingPathComponent("\(name).expected.safetensors"))
        let meta = weights.metadata
        func int(_ key: String) throws -> Int {
            guard let text = meta[key], let value = Int(text) else { throw FixtureError.metadata(key) }
            return value
        }
        func string(_ key: String) throws -> String {
            guard let text = meta[key], text.count >= 2, text.first == "\"" else { throw FixtureError.metadata(key) }
            return String(text.dropFirst().dropLast())
        }
        let cellName = meta["cell"] == nil ? "gru" : try string("cell")
        guard let cell = ModelArchitecture.Cell(rawValue: cellName),
            let pooling = ModelArchitecture.Pooling(rawValue: try string("pool"))
        else { throw FixtureError.metadata("cell/pool") }
        let hidden = try int("H")
        let architecture = ModelArchitecture(
            cell: cell, vocabSize: try int("V"), embeddingSize: hidden, hiddenSize: hidden,
            numLayers: try int("num_layers"), bidirectional: meta["bidirectional"] == "true", pooling: pooling,
            concatLast: meta["concat_last"] == "true", dropout: 0.1,
            padding: meta["masked"] == "true" ? .masked : .notebook, numClasses: try int("classes"))
        configuration = ModelConfiguration(
            architecture: architecture,
            specialTokens: .init(
                unk: Int32(try int("unk_id")), bos: Int32(try int("bos_id")), eos: Int32(try int("eos_id")),
                pad: Int32(try int("pad_id"))))
    }

    /// The model's float32 tensors.
    func parameters() throws -> ModelParameters {
        var tensors: [String: Tensor] = [:]
        for name in weights.names {
            let view = try weights.tensor(name)
            tensors[name] = Tensor(shape: view.shape, values: try view.floats())
        }
        return try ModelParameters(architecture: configuration.architecture, tensors: tensors)
    }

    /// The padded input batch `[5, 12]`.
    func batch() throws -> TokenBatch {
        try TokenBatch(
            ids: try expected.tensor("input_ids").int64s().map { Int32($0) },
            lengths: try expected.tensor("lengths").int64s().map { Int($0) })
    }

    func labels() throws -> [Int] {
        try expected.tensor("labels").int64s().map { Int($0) }
    }

    /// Expected float64 values of tensor `key` and its shape.
    func values(_ key: String) throws -> (shape: [Int], values: [Double]) {
        let view = try expected.tensor(key)
        return (view.shape, try view.doubles())
    }

    /// Records a test issue for every element of `actual` outside
    /// `abs(a − e) <= atol + rtol·abs(e)` of the expected tensor `key` (and for a shape mismatch).
    func expectClose(
        _ actual: Tensor, _ key: String, atol: Double, rtol: Double = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let (shape, values) = try values(key)
        #expect(actual.shape == shape, "\(name) \(key): shape", sourceLocation: sourceLocation)
        guard actual.count == values.count else { return }
        var worst = (index: -1, excess: 0.0)
        for (index, (a, e)) in zip(actual.values, values).enumerated() {
            let excess = abs(Double(a) - e) - (atol + rtol * abs(e))
            if excess > worst.excess || !a.isFinite { worst = (index, excess.isNaN ? .infinity : excess) }
        }
        #expect(
            worst.index < 0,
            "\(name) \(key)[\(worst.index)]: \(worst.index < 0 ? 0 : actual.values[worst.index]) vs \(worst.index < 0 ? 0 : values[worst.index]) exceeds tolerance by \(worst.excess)",
            sourceLocation: sourceLocation)
    }

    enum FixtureError: Error {
        case metadata(String)
    }
}
