import Checkpoint
import Foundation
import RecurrentNetwork
import SafeTensors
import TestSupport

/// Paths of the shared fixtures and small builders the checkpoint tests share.
enum CheckpointTestFixtures {
    /// `../shared` beside the package root.
    static let shared = PackagePaths.shared

    /// The GRU/LSTM/RNN golden fixtures (fixtures/gru/README.md).
    static let gru = shared.appendingPathComponent("fixtures/gru")

    /// The PyTorch-trained notebook model in our checkpoint format.
    static let notebookModel = shared.appendingPathComponent("models/notebook-gru-partial")

    /// Every `<case>.weights.safetensors` of fixtures/gru.
    static let weightFiles = [
        "uni2_masked_mean", "uni2_masked_max", "bi1_masked_mean", "uni2_seed_unmasked_mean", "adam_step",
        "concat_last", "lstm2_masked_mean", "rnn1_masked_max", "rnn2_seed_unmasked_mean",
    ].map { "\($0).weights.safetensors" }

    /// The architecture a fixture's `__metadata__` describes (values are JSON-encoded strings:
    /// `V`, `H` = embedding = hidden size, `num_layers`, `bidirectional`, `pool`, `concat_last`,
    /// `masked`, `classes`, `cell` (absent for GRU cases), `unk_id` … `pad_id`).
    static func configuration(fixtureMetadata m: [String: String]) throws -> ModelConfiguration {
        func value<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
            guard let text = m[key] else { throw FixtureError.missingMetadata(key) }
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        }
        let cell = try m["cell"].map { _ in try value("cell", String.self) } ?? "gru"
        guard let parsedCell = ModelArchitecture.Cell(rawValue: cell),
            let pooling = ModelArchitecture.Pooling(rawValue: try value("pool", String.self))
        else { throw FixtureError.missingMetadata("cell/pool") }
        let architecture = ModelArchitecture(
            cell: parsedCell, vocabSize: try value("V", Int.self), embeddingSize: try value("H", Int.self),
            hiddenSize: try value("H", Int.self), numLayers: try value("num_layers", Int.self),
            bidirectional: try value("bidirectional", Bool.self), pooling: pooling,
            concatLast: try value("concat_last", Bool.self), dropout: 0.1,
            padding: try value("masked", Bool.self) ? .masked : .notebook, numClasses: try value("classes", Int.self))
        return ModelConfiguration(
            architecture: architecture,
            specialTokens: .init(
                unk: try value("unk_id", Int32.self), bos: try value("bos_id", Int32.self),
                eos: try value("eos_id", Int32.self), pad: try value("pad_id", Int32.self)))
    }

    enum FixtureError: Error { case missingMetadata(String) }

    /// `<unk> <bos> <eos> <pad>` at their ids, `w<id>` elsewhere.
    static func vocabulary(for configuration: ModelConfiguration) -> [String] {
        var tokens = (0..<configuration.architecture.vocabSize).map { "w\($0)" }
        for entry in configuration.specialTokens.entries { tokens[Int(entry.id)] = entry.token }
        return tokens
    }

    /// A complete checkpoint from a fixture's weights, with a made-up vocabulary and metrics.
    static func checkpoint(_ weightFile: String = "uni2_masked_mean.weights.safetensors") throws -> Checkpoint {
        let file = try SafeTensorsFile(contentsOf: gru.appendingPathComponent(weightFile))
        let configuration = try configuration(fixtureMetadata: file.metadata)
        return try Checkpoint(
            configuration: configuration, parameters: try Checkpoint.parameters(in: file, for: configuration),
            metrics: ["fixture": .string(weightFile), "seed": 4, "scores": ["validation": 0.25, "sample": [0.5, nil]]],
            vocabulary: vocabulary(for: configuration))
    }

    /// A new empty directory under the temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("newsclf-checkpoint-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
