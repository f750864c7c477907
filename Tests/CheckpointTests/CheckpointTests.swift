@testable import Checkpoint
import Foundation
import RecurrentNetwork
import SafeTensors
import TestSupport
import Testing

@Suite(.onNumericsThreads) struct CheckpointTests {
    typealias Fixtures = CheckpointTestFixtures

    // MARK: Loading real files

    @Test func loadsNotebookModelWithItsStateDictNamesShapesAndDigest() throws {
        let checkpoint = try Checkpoint.load(from: Fixtures.notebookModel)
        let raw = try SafeTensorsFile(contentsOf: Fixtures.notebookModel.appendingPathComponent("model.safetensors"))
        let a = checkpoint.configuration.architecture
        #expect(a.cell == .gru && a.numLayers == 2 && a.padding == .notebook)
        #expect(Set(checkpoint.parameters.keys) == Set(raw.names))
        for (name, tensor) in checkpoint.parameters {
            #expect(tensor.shape == raw.tensors[name]!.shape, "\(name)")
        }
        #expect(checkpoint.parameters["embedding.weight"]?.shape == [a.vocabSize, a.embeddingSize])
        #expect(checkpoint.parameters["embedding.weight"]?.shape == [12_351, 256])
        #expect(checkpoint.parameters["rnn.weight_hh_l1"]?.shape == [3 * a.hiddenSize, a.hiddenSize])
        #expect(checkpoint.parameters["rnn.weight_ih_l0"]?.values == (try raw.tensor("rnn.weight_ih_l0").floats()))

        guard case .string(let sha)? = checkpoint.metrics["model_sha256"] else {
            Issue.record("metrics.json has no model_sha256")
            return
        }
        #expect(checkpoint.modelFile?.digest == "sha256:" + sha)
        #expect(checkpoint.digest?.hasPrefix("sha256:") == true && checkpoint.digest != checkpoint.modelFile?.digest)
        #expect(checkpoint.modelFile?.dtypes.values.allSatisfy { $0 == .float32 } == true)
        let size = try FileManager.default.attributesOfItem(
            atPath: Fixtures.notebookModel.appendingPathComponent("model.safetensors").path)[.size] as? Int
        #expect(checkpoint.modelFile?.byteCount == size)

        let vocabularyLines = try String(
            contentsOf: Fixtures.notebookModel.appendingPathComponent("vocab.txt"), encoding: .utf8
        ).split(separator: "\n").map(String.init)
        #expect(checkpoint.vocabulary == vocabularyLines)
        #expect(checkpoint.vocabulary.count == a.vocabSize)
    }

    @Test(arguments: Fixtures.weightFiles)
    func loadsFixtureWeightsByPyTorchNames(_ weightFile: String) throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.gru.appendingPathComponent(weightFile))
        let configuration = try Fixtures.configuration(fixtureMetadata: file.metadata)
        let parameters = try Checkpoint.parameters(in: file, for: configuration)
        #expect(parameters.count == file.names.count)
        for (name, shape) in configuration.architecture.parameterShapes {
            let view = try file.tensor(name)
            #expect(parameters[name]?.shape == shape)
            #expect(parameters[name]?.values == (try view.floats()), "\(weightFile): \(name)")
        }
    }

    @Test func fixtureArchitecturesCoverEveryCellAndBidirectionalAndConcatLast() throws {
        var seen: Set<String> = []
        for weightFile in Fixtures.weightFiles {
            let file = try SafeTensorsFile(contentsOf: Fixtures.gru.appendingPathComponent(weightFile))
            let a = try Fixtures.configuration(fixtureMetadata: file.metadata).architecture
            seen.insert(a.cell.rawValue)
            if a.bidirectional { seen.insert("bidirectional") }
            if a.concatLast { seen.insert("concat_last") }
        }
        #expect(seen == ["gru", "lstm", "rnn", "bidirectional", "concat_last"])
    }

    @Test func loadsBFloat16AndFloat16Parameters() throws {
        let original = try Fixtures.checkpoint()
        for dtype in [DType.bfloat16, .float16] {
            let entries = original.orderedParameters.map {
                SafeTensorsWriter.Entry(name: $0.name, shape: $0.tensor.shape, floats: $0.tensor.values, dtype: dtype)
            }
            let file = try SafeTensorsFile(data: SafeTensorsWriter().serialize(entries), source: "model.safetensors")
            let parameters = try Checkpoint.parameters(in: file, for: original.configuration)
            // bfloat16 keeps 8 significant bits, float16 11: relative rounding error 2^-8, 2^-11.
            let relative: Float = dtype == .bfloat16 ? 1.0 / 256 : 1.0 / 2048
            for (name, tensor) in original.parameters {
                for (a, e) in zip(parameters[name]!.values, tensor.values) {
                    #expect(abs(a - e) <= max(abs(e) * relative, 1e-7), "\(dtype) \(name)")
                }
            }
        }
    }

    // MARK: Saving

    @Test(arguments: Fixtures.weightFiles)
    func float32RoundTripIsExact(_ weightFile: String) throws {
        let original = try Fixtures.checkpoint(weightFile)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("model")
        let written = try original.save(to: target)
        let loaded = try Checkpoint.load(from: target)
        #expect(loaded.configuration == original.configuration)
        #expect(loaded.parameters == original.parameters)
        #expect(loaded.metrics == original.metrics)
        #expect(loaded.vocabulary == original.vocabulary)
        #expect(loaded.modelFile == written)
        let bytes = try Data(contentsOf: target.appendingPathComponent("model.safetensors"))
        #expect(written.digest == Checkpoint.digest(of: bytes))
    }

    @Test func float16RoundTripIsWithinHalfPrecision() throws {
        let original = try Fixtures.checkpoint("bi1_masked_mean.weights.safetensors")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("half")
        try original.save(to: target, dtype: .float16)
        let loaded = try Checkpoint.load(from: target)
        #expect(loaded.modelFile?.dtypes.values.allSatisfy { $0 == .float16 } == true)
        #expect(loaded.configuration == original.configuration && loaded.vocabulary == original.vocabulary)
        #expect(loaded.metrics == original.metrics)
        var changed = 0
        for (name, tensor) in original.parameters {
            for (a, e) in zip(loaded.parameters[name]!.values, tensor.values) {
                // Round to nearest float16: relative error ≤ 2^-11 (normal), absolute ≤ 2^-25 (subnormal).
                #expect(abs(a - e) <= max(abs(e) / 2048, 0x1p-25), "\(name)")
                if a != e { changed += 1 }
            }
        }
        #expect(changed > 0)
        let f32Size = try Data(contentsOf: Fixtures.gru.appendingPathComponent("bi1_masked_mean.weights.safetensors")).count
        #expect(loaded.modelFile!.byteCount < f32Size)
    }

    @Test func savingTwiceGivesByteIdenticalFiles() throws {
        let checkpoint = try Fixtures.checkpoint("concat_last.weights.safetensors")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("a"), second = directory.appendingPathComponent("b")
        try checkpoint.save(to: first)
        // Reload and resave: the loaded value must serialise to the same bytes as the original.
        try Checkpoint.load(from: first).save(to: second)
        for name in [Checkpoint.modelFileName, Checkpoint.configurationFileName, Checkpoint.metricsFileName, Checkpoint.vocabularyFileName] {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b, "\(name)")
            #expect(!a.isEmpty)
        }
    }

    @Test func jsonFilesArePrettyPrintedWithSortedKeys() throws {
        let checkpoint = try Fixtures.checkpoint()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try checkpoint.save(to: directory.appendingPathComponent("m"))
        let text = try String(contentsOf: directory.appendingPathComponent("m/config.json"), encoding: .utf8)
        let keys = ["\"architecture\"", "\"format\"", "\"labels\"", "\"max_length\"", "\"preprocessing\"", "\"special_tokens\""]
        let positions = keys.map { text.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(text.contains("\n  \"format\" : \"newsclf-checkpoint/1\""))
        #expect(text.contains("Sci/Tech"))
        #expect(text.hasSuffix("}\n"))
    }

    @Test func notebookMetricsSurviveASaveAndLoad() throws {
        let metricsURL = Fixtures.notebookModel.appendingPathComponent("metrics.json")
        let metrics = try CheckpointMetrics(jsonData: try Data(contentsOf: metricsURL))
        let original = try JSONSerialization.jsonObject(with: try Data(contentsOf: metricsURL)) as! NSDictionary
        let reencoded = try JSONSerialization.jsonObject(with: try metrics.jsonData()) as! NSDictionary
        #expect(reencoded == original)
        #expect(try CheckpointMetrics(jsonData: try metrics.jsonData()) == metrics)
    }

    @Test func savingOverAnExistingCheckpointReplacesIt() throws {
        let old = try Fixtures.checkpoint("uni2_masked_mean.weights.safetensors")
        let new = try Fixtures.checkpoint("lstm2_masked_mean.weights.safetensors")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("current")
        try old.save(to: target)
        try "stale".write(to: target.appendingPathComponent("extra.txt"), atomically: false, encoding: .utf8)
        try new.save(to: target)
        let loaded = try Checkpoint.load(from: target)
        #expect(loaded.configuration == new.configuration && loaded.parameters == new.parameters)
        #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("extra.txt").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["current"])
    }

    @Test func failedSaveLeavesTheOldCheckpointIntact() throws {
        let old = try Fixtures.checkpoint("uni2_masked_mean.weights.safetensors")
        let new = try Fixtures.checkpoint("rnn1_masked_max.weights.safetensors")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("current")
        try old.save(to: target)
        let failure = CheckpointError(file: target.path, kind: .unwritable("injected failure"))
        #expect(throws: failure) {
            try new.save(to: target, dtype: .float32) { () throws(CheckpointError) in
                // Everything is written: a staging sibling exists, the destination is still old.
                let siblings = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
                #expect(siblings?.contains { $0.hasPrefix(".current.tmp-") } == true)
                #expect((try? Checkpoint.load(from: target))?.parameters == old.parameters)
                throw failure
            }
        }
        let loaded = try Checkpoint.load(from: target)
        #expect(loaded.parameters == old.parameters && loaded.configuration == old.configuration)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["current"])
    }

    @Test func saveRefusesToReplaceADirectoryThatIsNotACheckpoint() throws {
        let checkpoint = try Fixtures.checkpoint()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notes = directory.appendingPathComponent("notes.txt")
        try "keep me".write(to: notes, atomically: false, encoding: .utf8)
        #expect {
            try checkpoint.save(to: directory)
        } throws: { error in
            guard let e = error as? CheckpointError, e.file == directory.path, case .refusedDestination = e.kind else { return false }
            return true
        }
        #expect(try String(contentsOf: notes, encoding: .utf8) == "keep me")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["notes.txt"])
    }

    @Test func saveRefusesASymbolicLinkDestination() throws {
        let checkpoint = try Fixtures.checkpoint()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let real = directory.appendingPathComponent("v1"), link = directory.appendingPathComponent("current")
        try checkpoint.save(to: real)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        #expect {
            try checkpoint.save(to: link)
        } throws: { error in
            guard let e = error as? CheckpointError, e.file == link.path, case .refusedDestination = e.kind else { return false }
            return true
        }
        #expect(try Checkpoint.load(from: link).parameters == checkpoint.parameters)
    }

    @Test func saveInANonexistentParentFailsWithoutLeftovers() throws {
        let checkpoint = try Fixtures.checkpoint()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("missing/parent/model")
        #expect {
            try checkpoint.save(to: target)
        } throws: { error in
            guard let e = error as? CheckpointError, case .unwritable = e.kind else { return false }
            return e.file.hasPrefix(directory.appendingPathComponent("missing/parent").path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func float16SaveRefusesAValueBeyondHalfRange() throws {
        var checkpoint = try Fixtures.checkpoint()
        checkpoint.parameters["linear.bias"]!.values[2] = 70_000
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("m")
        #expect(throws: CheckpointError(
            file: target.appendingPathComponent("model.safetensors").path, tensor: "linear.bias",
            kind: .unrepresentable(index: 2, dtype: .float16))
        ) {
            try checkpoint.save(to: target, dtype: .float16)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        #expect(throws: Never.self) { try checkpoint.save(to: target, dtype: .float32) }
    }

    // MARK: In-memory validation

    @Test func initRefusesAMissingParameterNamingTheTensor() throws {
        let checkpoint = try Fixtures.checkpoint()
        var parameters = checkpoint.parameters
        parameters["projection.weight"] = nil
        #expect(throws: CheckpointError(file: "model.safetensors", tensor: "projection.weight", kind: .missingTensor(others: 0))) {
            try Checkpoint(configuration: checkpoint.configuration, parameters: parameters, vocabulary: checkpoint.vocabulary)
        }
    }

    @Test func initRefusesAValueCountThatDoesNotMatchTheShape() throws {
        var checkpoint = try Fixtures.checkpoint()
        checkpoint.parameters["linear.bias"]!.values.append(0)
        #expect(throws: CheckpointError(
            file: "model.safetensors", tensor: "linear.bias", kind: .wrongValueCount(expected: 8, actual: 9))
        ) {
            try checkpoint.validate()
        }
    }

    @Test func saveRefusesNonFiniteMetrics() throws {
        var checkpoint = try Fixtures.checkpoint()
        checkpoint.metrics["loss"] = .number(.nan)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            try checkpoint.save(to: directory.appendingPathComponent("m"))
        } throws: { error in
            guard let e = error as? CheckpointError, e.file.hasSuffix("m/metrics.json"), case .invalidJSON = e.kind else { return false }
            return true
        }
    }

    // MARK: Summary

    @Test func summaryListsConfigurationTensorsTotalsAndDigest() throws {
        let checkpoint = try Checkpoint.load(from: Fixtures.notebookModel)
        let summary = checkpoint.summary()
        let lines = summary.split(separator: "\n").map(String.init)
        let raw = try SafeTensorsFile(contentsOf: Fixtures.notebookModel.appendingPathComponent("model.safetensors"))
        var total = 0
        for name in raw.names {
            let view = raw.tensors[name]!
            total += view.count
            let shape = "[" + view.shape.map(String.init).joined(separator: ", ") + "]"
            let row = lines.first { $0.hasPrefix("  \(name) ") }
            #expect(row?.contains(shape) == true, "\(name)")
            #expect(row?.contains(" F32 ") == true, "\(name)")
            #expect(row?.hasSuffix(" \(view.count)") == true, "\(name)")
        }
        #expect(lines.contains("total parameters: \(total)"))
        #expect(lines.contains("digest: \(checkpoint.digest!)"))
        #expect(lines.contains("vocabulary: \(checkpoint.vocabulary.count) tokens"))
        #expect(lines.contains { $0.hasPrefix("architecture: gru, 2 layers, unidirectional") })
        #expect(lines.contains("labels (4): 0 World, 1 Sports, 2 Business, 3 Sci/Tech"))
        #expect(lines.contains { $0.hasPrefix("  model_sha256: \"") })
    }
}
