@testable import Checkpoint
import Foundation
import TestSupport
import Testing

/// `config.json`'s `temperature` (default 1, finite > 0), ``Checkpoint/setTemperature(_:in:)``
/// and the checkpoint digest over weights, `config.json` and `vocab.txt`.
@Suite(.onNumericsThreads) struct CheckpointTemperatureTests {
    typealias Fixtures = CheckpointTestFixtures

    /// A saved fixture checkpoint in a fresh temporary directory; removed afterwards.
    func withSavedCheckpoint(_ body: (URL) throws -> Void) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("checkpoint")
        try Fixtures.checkpoint().save(to: target)
        try body(target)
    }

    func configText(_ directory: URL) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("config.json"), encoding: .utf8)
    }

    func writeConfig(_ directory: URL, _ text: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent("config.json"))
    }

    @Test func checkpointWithoutTemperatureLoadsWithTemperatureOne() throws {
        try withSavedCheckpoint { directory in
            var text = try configText(directory)
            #expect(text.contains(#""temperature" : 1"#))
            text = text.replacingOccurrences(of: #",\#n  "temperature" : 1"#, with: "")
            #expect(!text.contains("temperature"))
            try writeConfig(directory, text)
            #expect(try Checkpoint.load(from: directory).configuration.temperature == 1)
        }
        // The notebook model converted from PyTorch has no temperature key.
        #expect(try Checkpoint.load(from: Fixtures.notebookModel).configuration.temperature == 1)
    }

    @Test(arguments: [
        ("0", "0.0"), ("-1.5", "-1.5"), ("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf"),
    ])
    func badTemperatureIsRefusedNamingKeyAndValue(_ json: String, _ shown: String) throws {
        try withSavedCheckpoint { directory in
            let text = try configText(directory).replacingOccurrences(of: #""temperature" : 1"#, with: #""temperature" : \#(json)"#)
            try writeConfig(directory, text)
            do {
                _ = try Checkpoint.load(from: directory)
                Issue.record("temperature \(json) loaded")
            } catch let error as CheckpointError {
                #expect(error.kind == .invalidConfiguration(key: "temperature", problem: "is \(shown), must be a finite number greater than 0"))
                #expect(error.file.hasSuffix("config.json"))
                #expect(error.description.contains("temperature is \(shown)"))
            }
        }
    }

    /// Values a Double holds but the engine's Float32 division cannot use (found by a fresh-user
    /// check: 1e39 is inf as a Float32, 1e-320 is 0, and 1e-40 made NaN probabilities; each
    /// crashed classify, eval and a worker's SIGHUP reload) are refused at load.
    @Test(arguments: ["1e39", "1e300", "1e-320", "1e-40", "0.0009", "1000.5"])
    func aTemperatureOutsideTheFloat32RangeIsRefusedAtLoad(_ json: String) throws {
        try withSavedCheckpoint { directory in
            let text = try configText(directory).replacingOccurrences(of: #""temperature" : 1"#, with: #""temperature" : \#(json)"#)
            try writeConfig(directory, text)
            do {
                _ = try Checkpoint.load(from: directory)
                Issue.record("temperature \(json) loaded")
            } catch let error as CheckpointError {
                guard case .invalidConfiguration(let key, let problem) = error.kind else {
                    Issue.record("\(error)")
                    return
                }
                #expect(key == "temperature")
                #expect(problem.hasPrefix("is \(Double(json)!), outside 0.001...1000"), "\(problem)")
            }
        }
        for edge in [0.001, 1000, 1.2075] {
            #expect(throws: Never.self) { try ModelConfiguration.validate(temperature: edge) }
        }
    }

    @Test func validateRefusesBadTemperatureInMemory() throws {
        var checkpoint = try Fixtures.checkpoint()
        checkpoint.configuration.temperature = -2
        #expect(throws: CheckpointError(
            file: "config.json", kind: .invalidConfiguration(key: "temperature", problem: "is -2.0, must be a finite number greater than 0"))
        ) { try checkpoint.validate() }
    }

    @Test func setTemperatureKeepsEveryOtherKeyAndChangesTheDigest() throws {
        try withSavedCheckpoint { directory in
            // An unknown key survives the rewrite.
            let original = try configText(directory).replacingOccurrences(of: "{\n", with: "{\n  \"converted_by\" : \"test\",\n")
            try writeConfig(directory, original)
            let before = try Checkpoint.load(from: directory)
            let after = try Checkpoint.setTemperature(1.25, in: directory)
            #expect(after.configuration.temperature == 1.25)
            #expect(after.parameters == before.parameters && after.vocabulary == before.vocabulary)
            #expect(after.modelFile?.digest == before.modelFile?.digest)
            #expect(after.digest != before.digest)
            func object(_ text: String) throws -> NSDictionary {
                try JSONSerialization.jsonObject(with: Data(text.utf8)) as! NSDictionary
            }
            let expected = try object(original).mutableCopy() as! NSMutableDictionary
            expected["temperature"] = 1.25
            #expect(try object(configText(directory)) == expected)
            #expect(try configText(directory).contains(#""converted_by" : "test""#))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty)
            #expect(throws: CheckpointError.self) { try Checkpoint.setTemperature(.nan, in: directory) }
            #expect(try Checkpoint.load(from: directory).configuration.temperature == 1.25)
        }
    }

    /// The manifest is what `sha256sum model.safetensors config.json vocab.txt` prints.
    @Test func digestIsTheSHA256OfTheSha256sumManifest() throws {
        try withSavedCheckpoint { directory in
            let checkpoint = try Checkpoint.load(from: directory)
            func hex(_ name: String) throws -> String {
                String(Checkpoint.digest(of: try Data(contentsOf: directory.appendingPathComponent(name))).dropFirst("sha256:".count))
            }
            let manifest = try ["model.safetensors", "config.json", "vocab.txt"].map { "\(try hex($0))  \($0)\n" }.joined()
            let expected = Checkpoint.digest(of: Data(manifest.utf8))
            #expect(checkpoint.digest == expected)
            #expect(checkpoint.modelFile?.digest == "sha256:" + (try hex("model.safetensors")))
        }
    }

    @Test func digestChangesWithConfigurationOrVocabulary() throws {
        try withSavedCheckpoint { directory in
            let original = try #require(try Checkpoint.load(from: directory).digest)
            // config.json: another temperature, same weights.
            let config = try configText(directory)
            try writeConfig(directory, config.replacingOccurrences(of: #""temperature" : 1"#, with: #""temperature" : 2"#))
            let recalibrated = try #require(try Checkpoint.load(from: directory).digest)
            #expect(recalibrated != original)
            try writeConfig(directory, config)
            #expect(try Checkpoint.load(from: directory).digest == original)
            // vocab.txt: two ordinary tokens swapped (still a valid vocabulary).
            let vocabularyURL = directory.appendingPathComponent("vocab.txt")
            var tokens = try String(contentsOf: vocabularyURL, encoding: .utf8).split(separator: "\n").map(String.init)
            tokens.swapAt(tokens.count - 1, tokens.count - 2)
            try Data((tokens.joined(separator: "\n") + "\n").utf8).write(to: vocabularyURL)
            let revocabularised = try #require(try Checkpoint.load(from: directory).digest)
            #expect(revocabularised != original && revocabularised != recalibrated)
        }
    }

    @Test func summaryShowsTemperatureAndWhatTheDigestCovers() throws {
        let checkpoint = try Checkpoint.load(from: Fixtures.notebookModel)
        let lines = checkpoint.summary().split(separator: "\n").map(String.init)
        #expect(lines.contains("temperature: 1.0"))
        #expect(lines.contains("digest covers: model.safetensors, config.json, vocab.txt"))
        #expect(lines.contains { $0.hasPrefix("model.safetensors: ") && $0.hasSuffix(checkpoint.modelFile!.digest) })
    }
}
