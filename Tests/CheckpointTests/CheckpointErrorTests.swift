import Checkpoint
import Foundation
import SafeTensors
import TestSupport
import Testing

/// Every bad checkpoint is refused by `Checkpoint.load` with an error that names the file (and
/// the tensor); each case starts from a valid saved fixture checkpoint and breaks one thing.
@Suite(.onNumericsThreads) struct CheckpointErrorTests {
    typealias Fixtures = CheckpointTestFixtures

    /// A valid checkpoint directory (fixture uni2_masked_mean: V = 50, H = 8, 2-layer GRU) in a
    /// fresh temporary directory, passed to `body` with the checkpoint; removed afterwards.
    func withSavedCheckpoint(_ body: (URL, Checkpoint) throws -> Void) throws {
        let checkpoint = try Fixtures.checkpoint()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("checkpoint")
        try checkpoint.save(to: target)
        try body(target, checkpoint)
    }

    /// The error `Checkpoint.load(from:)` throws; records an issue when it succeeds.
    func loadError(_ directory: URL, sourceLocation: SourceLocation = #_sourceLocation) -> CheckpointError? {
        do {
            _ = try Checkpoint.load(from: directory)
            Issue.record("the checkpoint loaded", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// Rewrites `model.safetensors` from the checkpoint's tensors changed by `edit`.
    func rewriteModel(
        _ directory: URL, _ checkpoint: Checkpoint, _ edit: (inout [SafeTensorsWriter.Entry]) -> Void
    ) throws {
        var entries = checkpoint.orderedParameters.map {
            SafeTensorsWriter.Entry(name: $0.name, shape: $0.tensor.shape, floats: $0.tensor.values)
        }
        edit(&entries)
        try SafeTensorsWriter().serialize(entries).write(to: directory.appendingPathComponent("model.safetensors"))
    }

    /// Rewrites `config.json` after `edit` changes its JSON object.
    func rewriteConfiguration(_ directory: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = directory.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    /// Checks the error's file, tensor, and that its message names both.
    func expectNames(
        _ error: CheckpointError?, file: URL, tensor: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(error?.file == file.path, sourceLocation: sourceLocation)
        #expect(error?.tensor == tensor, sourceLocation: sourceLocation)
        #expect(error?.description.contains(file.path) == true, sourceLocation: sourceLocation)
        if let tensor { #expect(error?.description.contains("'\(tensor)'") == true, sourceLocation: sourceLocation) }
    }

    // MARK: The directory and model.safetensors

    @Test func missingDirectory() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let absent = directory.appendingPathComponent("nowhere")
        let error = loadError(absent)
        #expect(error?.kind == .missingFile)
        expectNames(error, file: absent)
    }

    @Test func missingModelFile() throws {
        try withSavedCheckpoint { directory, _ in
            let model = directory.appendingPathComponent("model.safetensors")
            try FileManager.default.removeItem(at: model)
            let error = loadError(directory)
            #expect(error?.kind == .missingFile)
            expectNames(error, file: model)
        }
    }

    @Test func truncatedModelFile() throws {
        try withSavedCheckpoint { directory, checkpoint in
            let model = directory.appendingPathComponent("model.safetensors")
            let bytes = try Data(contentsOf: model)
            try bytes.prefix(bytes.count - 10).write(to: model)
            let error = loadError(directory)
            guard case .invalidSafeTensors(.truncated)? = error?.kind else {
                Issue.record("expected a truncated-file error, got \(String(describing: error))")
                return
            }
            // The writer stores tensors in state_dict order: the last one is the cut one.
            expectNames(error, file: model, tensor: checkpoint.configuration.architecture.parameterShapes.last!.name)
        }
    }

    @Test func modelFileThatIsNotSafeTensors() throws {
        try withSavedCheckpoint { directory, _ in
            let model = directory.appendingPathComponent("model.safetensors")
            try Data("PK\u{3}\u{4} a zip archive, as torch.save writes".utf8).write(to: model)
            let error = loadError(directory)
            guard case .invalidSafeTensors? = error?.kind else {
                Issue.record("expected a safetensors error, got \(String(describing: error))")
                return
            }
            expectNames(error, file: model)
        }
    }

    @Test func missingTensor() throws {
        try withSavedCheckpoint { directory, checkpoint in
            try rewriteModel(directory, checkpoint) { $0.removeAll { $0.name == "rnn.bias_hh_l1" } }
            let error = loadError(directory)
            #expect(error?.kind == .missingTensor(others: 0))
            expectNames(error, file: directory.appendingPathComponent("model.safetensors"), tensor: "rnn.bias_hh_l1")
        }
    }

    @Test func unexpectedExtraTensor() throws {
        try withSavedCheckpoint { directory, checkpoint in
            try rewriteModel(directory, checkpoint) {
                $0.append(.init(name: "rnn.weight_ih_l2", shape: [24, 8], floats: Array(repeating: 0, count: 192)))
            }
            let error = loadError(directory)
            #expect(error?.kind == .unexpectedTensor(others: 0))
            expectNames(error, file: directory.appendingPathComponent("model.safetensors"), tensor: "rnn.weight_ih_l2")
        }
    }

    @Test func wrongShape() throws {
        try withSavedCheckpoint { directory, checkpoint in
            try rewriteModel(directory, checkpoint) { entries in
                let i = entries.firstIndex { $0.name == "rnn.weight_hh_l0" }!
                entries[i] = .init(name: "rnn.weight_hh_l0", shape: [8, 24], floats: Array(repeating: 0.5, count: 192))
            }
            let error = loadError(directory)
            #expect(error?.kind == .wrongShape(expected: [24, 8], actual: [8, 24]))
            expectNames(error, file: directory.appendingPathComponent("model.safetensors"), tensor: "rnn.weight_hh_l0")
        }
    }

    @Test func wrongDTypeInt64Tensor() throws {
        try withSavedCheckpoint { directory, checkpoint in
            try rewriteModel(directory, checkpoint) { entries in
                let i = entries.firstIndex { $0.name == "projection.bias" }!
                entries[i] = .init(name: "projection.bias", shape: [4], int64s: [0, 1, 2, 3])
            }
            let error = loadError(directory)
            #expect(error?.kind == .wrongDType(.int64))
            expectNames(error, file: directory.appendingPathComponent("model.safetensors"), tensor: "projection.bias")
        }
    }

    @Test func nonFiniteParameter() throws {
        try withSavedCheckpoint { directory, checkpoint in
            try rewriteModel(directory, checkpoint) { entries in
                let i = entries.firstIndex { $0.name == "embedding.weight" }!
                var values = checkpoint.parameters["embedding.weight"]!.values
                values[17] = .nan
                entries[i] = .init(name: "embedding.weight", shape: [50, 8], floats: values)
            }
            let error = loadError(directory)
            #expect(error?.kind == .nonFiniteValue(index: 17))
            expectNames(error, file: directory.appendingPathComponent("model.safetensors"), tensor: "embedding.weight")
        }
    }

    // MARK: config.json

    @Test func configurationIsNotJSON() throws {
        try withSavedCheckpoint { directory, _ in
            let config = directory.appendingPathComponent("config.json")
            try Data("{\"format\": \"newsclf-checkpoint/1\",".utf8).write(to: config)
            let error = loadError(directory)
            guard case .invalidJSON? = error?.kind else {
                Issue.record("expected invalid JSON, got \(String(describing: error))")
                return
            }
            expectNames(error, file: config)
        }
    }

    @Test func missingConfigurationFile() throws {
        try withSavedCheckpoint { directory, _ in
            let config = directory.appendingPathComponent("config.json")
            try FileManager.default.removeItem(at: config)
            let error = loadError(directory)
            #expect(error?.kind == .missingFile)
            expectNames(error, file: config)
        }
    }

    @Test func wrongFormatTag() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) { $0["format"] = "newsclf-checkpoint/2" }
            let error = loadError(directory)
            guard case .invalidConfiguration(key: "format", _)? = error?.kind else {
                Issue.record("expected a format error, got \(String(describing: error))")
                return
            }
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func labelsDoNotMatchNumClasses() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) { $0["labels"] = ["World", "Sports", "Business"] }
            let error = loadError(directory)
            guard case .invalidConfiguration(key: "labels", _)? = error?.kind else {
                Issue.record("expected a labels error, got \(String(describing: error))")
                return
            }
            #expect(error?.description.contains("num_classes") == true)
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func unknownCell() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) {
                var architecture = $0["architecture"] as! [String: Any]
                architecture["cell"] = "transformer"
                $0["architecture"] = architecture
            }
            let error = loadError(directory)
            guard case .invalidJSON(let why)? = error?.kind else {
                Issue.record("expected a decoding error, got \(String(describing: error))")
                return
            }
            #expect(why.contains("architecture.cell"))
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func missingConfigurationKey() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) {
                var architecture = $0["architecture"] as! [String: Any]
                architecture["hidden_size"] = nil
                $0["architecture"] = architecture
            }
            let error = loadError(directory)
            #expect(error?.kind == .invalidJSON("missing key \"architecture.hidden_size\""))
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func nonPositiveHiddenSize() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) {
                var architecture = $0["architecture"] as! [String: Any]
                architecture["hidden_size"] = 0
                $0["architecture"] = architecture
            }
            let error = loadError(directory)
            guard case .invalidConfiguration(key: "architecture.hidden_size", _)? = error?.kind else {
                Issue.record("expected a hidden_size error, got \(String(describing: error))")
                return
            }
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func specialTokenIdOutsideTheVocabulary() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) { $0["special_tokens"] = ["unk": 0, "bos": 1, "eos": 2, "pad": 50] }
            let error = loadError(directory)
            guard case .invalidConfiguration(key: "special_tokens.pad", _)? = error?.kind else {
                Issue.record("expected a special_tokens.pad error, got \(String(describing: error))")
                return
            }
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func specialTokenIdsNotDistinct() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) { $0["special_tokens"] = ["unk": 0, "bos": 1, "eos": 1, "pad": 3] }
            let error = loadError(directory)
            guard case .invalidConfiguration(key: "special_tokens.eos", _)? = error?.kind else {
                Issue.record("expected a special_tokens.eos error, got \(String(describing: error))")
                return
            }
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func maxLengthBelowThree() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) { $0["max_length"] = 2 }
            let error = loadError(directory)
            guard case .invalidConfiguration(key: "max_length", _)? = error?.kind else {
                Issue.record("expected a max_length error, got \(String(describing: error))")
                return
            }
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func unknownPreprocessing() throws {
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) { $0["preprocessing"] = "lowercase-only" }
            let error = loadError(directory)
            guard case .invalidConfiguration(key: "preprocessing", _)? = error?.kind else {
                Issue.record("expected a preprocessing error, got \(String(describing: error))")
                return
            }
            expectNames(error, file: directory.appendingPathComponent("config.json"))
        }
    }

    @Test func architectureDisagreesWithTheTensors() throws {
        // config.json says 3 layers, model.safetensors has 2: the first missing tensor is named.
        try withSavedCheckpoint { directory, _ in
            try rewriteConfiguration(directory) {
                var architecture = $0["architecture"] as! [String: Any]
                architecture["num_layers"] = 3
                $0["architecture"] = architecture
            }
            let error = loadError(directory)
            #expect(error?.kind == .missingTensor(others: 3))
            expectNames(error, file: directory.appendingPathComponent("model.safetensors"), tensor: "rnn.weight_ih_l2")
        }
    }

    // MARK: vocab.txt and metrics.json

    @Test func vocabularySizeMismatch() throws {
        try withSavedCheckpoint { directory, checkpoint in
            let vocab = directory.appendingPathComponent("vocab.txt")
            try Data(checkpoint.vocabulary.dropLast().map { $0 + "\n" }.joined().utf8).write(to: vocab)
            let error = loadError(directory)
            #expect(error?.kind == .vocabularySizeMismatch(tokens: 49, vocabSize: 50))
            expectNames(error, file: vocab)
        }
    }

    @Test func vocabularyRepeatsAToken() throws {
        try withSavedCheckpoint { directory, checkpoint in
            let vocab = directory.appendingPathComponent("vocab.txt")
            var tokens = checkpoint.vocabulary
            tokens[30] = tokens[10]
            try Data(tokens.map { $0 + "\n" }.joined().utf8).write(to: vocab)
            let error = loadError(directory)
            guard case .invalidVocabulary(line: 31, _)? = error?.kind else {
                Issue.record("expected a vocabulary error at line 31, got \(String(describing: error))")
                return
            }
            expectNames(error, file: vocab)
        }
    }

    @Test func vocabularySpecialTokenAtTheWrongId() throws {
        try withSavedCheckpoint { directory, checkpoint in
            let vocab = directory.appendingPathComponent("vocab.txt")
            var tokens = checkpoint.vocabulary
            tokens.swapAt(0, 3)  // <pad> first, <unk> fourth
            try Data(tokens.map { $0 + "\n" }.joined().utf8).write(to: vocab)
            let error = loadError(directory)
            guard case .invalidVocabulary(line: 1, let why)? = error?.kind else {
                Issue.record("expected a vocabulary error at line 1, got \(String(describing: error))")
                return
            }
            #expect(why.contains("special_tokens.unk"))
            expectNames(error, file: vocab)
        }
    }

    @Test func vocabularyWithAnEmptyLine() throws {
        try withSavedCheckpoint { directory, checkpoint in
            let vocab = directory.appendingPathComponent("vocab.txt")
            var tokens = checkpoint.vocabulary
            tokens[20] = ""
            try Data(tokens.map { $0 + "\n" }.joined().utf8).write(to: vocab)
            let error = loadError(directory)
            #expect(error?.kind == .invalidVocabulary(line: 21, problem: "empty token"))
            expectNames(error, file: vocab)
        }
    }

    @Test func vocabularyThatIsNotUTF8() throws {
        try withSavedCheckpoint { directory, checkpoint in
            let vocab = directory.appendingPathComponent("vocab.txt")
            var bytes = Data(checkpoint.vocabulary.map { $0 + "\n" }.joined().utf8)
            bytes[bytes.count - 2] = 0xFF
            try bytes.write(to: vocab)
            let error = loadError(directory)
            #expect(error?.kind == .unreadable("not valid UTF-8"))
            expectNames(error, file: vocab)
        }
    }

    @Test func missingVocabularyFile() throws {
        try withSavedCheckpoint { directory, _ in
            let vocab = directory.appendingPathComponent("vocab.txt")
            try FileManager.default.removeItem(at: vocab)
            let error = loadError(directory)
            #expect(error?.kind == .missingFile)
            expectNames(error, file: vocab)
        }
    }

    @Test func metricsThatIsNotAJSONObject() throws {
        try withSavedCheckpoint { directory, _ in
            let metrics = directory.appendingPathComponent("metrics.json")
            try Data("[0.91, 0.92]".utf8).write(to: metrics)
            let error = loadError(directory)
            guard case .invalidJSON? = error?.kind else {
                Issue.record("expected invalid JSON, got \(String(describing: error))")
                return
            }
            expectNames(error, file: metrics)
        }
    }

    @Test func missingMetricsFile() throws {
        try withSavedCheckpoint { directory, _ in
            let metrics = directory.appendingPathComponent("metrics.json")
            try FileManager.default.removeItem(at: metrics)
            let error = loadError(directory)
            #expect(error?.kind == .missingFile)
            expectNames(error, file: metrics)
        }
    }
}
