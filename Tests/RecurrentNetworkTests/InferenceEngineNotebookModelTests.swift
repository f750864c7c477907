import Checkpoint
import Foundation
import RecurrentNetwork
import SafeTensors
import TestSupport
import Testing

/// The engine on a real model trained in PyTorch: `shared/models/notebook-gru-partial` (the
/// notebook's best configuration, 2-layer GRU 256, `padding: notebook`), against PyTorch's
/// float64 outputs on all 7,600 AG News test items (`expected_test_outputs.safetensors`).
///
/// Token ids come from the tokenizer fixture `shared/fixtures/tokenize/test_tokens.jsonl.gz`
/// mapped through the model's `vocab.txt` (line = id, unknown → `<unk>`), each item
/// `[<bos>] + ids + [<eos>]`: the encoding the expected outputs were made with.
@Suite(.onNumericsThreads) struct InferenceEngineNotebookModelTests {
    fileprivate static let model = Result { try NotebookModel() }

    @Test func encodedLengthsMatchPyTorch() throws {
        let model = try Self.model.get()
        #expect(model.items.count == 7600)
        #expect(model.items.map(\.count) == model.expectedLengths)
    }

    /// Items classified alone (batch 1: the `sgemv` path, no padding): the first 1,000 logits
    /// within 1e-4 of PyTorch's, and the same predictions.
    @Test func singleItemLogitsMatchPyTorch() throws {
        let model = try Self.model.get()
        let expected = try model.expected.tensor("logits").doubles()
        let expectedPredictions = try model.expected.tensor("predictions").int64s()
        var worst = 0.0
        var mismatches = 0
        for (b, item) in model.items.prefix(1000).enumerated() {
            let logits = try model.engine.logits(ids: item, lengths: [item.count], time: item.count).values
            for c in 0..<4 { worst = max(worst, abs(Double(logits[c]) - expected[b * 4 + c])) }
            if NotebookModel.argmax(logits, batch: 1) != [expectedPredictions[b]] { mismatches += 1 }
        }
        #expect(worst <= 1e-4, "largest logit difference \(worst)")
        #expect(mismatches == 0, "\(mismatches) of 1000 predictions differ")
    }

    /// Without padding the notebook and masked semantics coincide, so the masked engine gives
    /// the as-if-alone results also in padded batches of 256 (batch invariance on real data).
    @Test func maskedBatchesOf256MatchItemsAlone() throws {
        let model = try Self.model.get()
        var configuration = model.configuration
        configuration.architecture.padding = .masked
        let engine = try InferenceEngine(architecture: configuration.architecture, parameters: model.parameters)
        let expected = try model.expected.tensor("logits").doubles()
        let expectedPredictions = try model.expected.tensor("predictions").int64s()
        var worst = 0.0
        var mismatches = 0
        for start in stride(from: 0, to: 1000, by: 256) {
            let batch = Array(model.items[start..<min(start + 256, 1000)])
            let (ids, lengths, time) = model.padded(batch)
            let logits = try engine.logits(ids: ids, lengths: lengths, time: time).values
            for b in 0..<batch.count {
                for c in 0..<4 { worst = max(worst, abs(Double(logits[b * 4 + c]) - expected[(start + b) * 4 + c])) }
            }
            let predictions = NotebookModel.argmax(logits, batch: batch.count)
            mismatches += zip(predictions, expectedPredictions[start...]).filter { $0 != $1 }.count
        }
        #expect(worst <= 1e-4, "largest logit difference \(worst)")
        #expect(mismatches == 0, "\(mismatches) of 1000 predictions differ")
    }

    /// The notebook's own evaluation: consecutive batches of 32, padded with `<pad>`, GRU over
    /// the padding, mean over all positions. Same predictions for all 7,600 items (hence the
    /// same accuracy, 89.34 %), first 1,000 logits within 1e-4.
    @Test func notebookBatchesOf32MatchPyTorch() throws {
        let model = try Self.model.get()
        let engine = model.engine
        let expectedPredictions = try model.expected.tensor("batched32_predictions").int64s()
        let expectedLogits = try model.expected.tensor("batched32_logits").doubles()
        let labels = try model.expected.tensor("labels").int64s()
        var predictions: [Int64] = []
        var worst = 0.0
        for start in stride(from: 0, to: model.items.count, by: 32) {
            let batch = Array(model.items[start..<min(start + 32, model.items.count)])
            let (ids, lengths, time) = model.padded(batch)
            let logits = try engine.logits(ids: ids, lengths: lengths, time: time).values
            for b in 0..<batch.count where start + b < 1000 {
                for c in 0..<4 {
                    worst = max(worst, abs(Double(logits[b * 4 + c]) - expectedLogits[(start + b) * 4 + c]))
                }
            }
            predictions += NotebookModel.argmax(logits, batch: batch.count)
        }
        let mismatches = zip(predictions, expectedPredictions).filter { $0 != $1 }.count
        #expect(mismatches == 0, "\(mismatches) of 7600 predictions differ")
        #expect(worst <= 1e-4, "largest logit difference \(worst)")
        let accuracy = Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
        let expectedAccuracy = Double(zip(expectedPredictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
        #expect(accuracy == expectedAccuracy, "accuracy \(accuracy), PyTorch \(expectedAccuracy)")
    }
}

/// The notebook model, its expected outputs, and the test items encoded with its vocabulary.
private struct NotebookModel: Sendable {
    static let root = PackagePaths.shared

    let configuration: ModelConfiguration
    let parameters: [String: Tensor]
    let engine: InferenceEngine
    let expected: SafeTensorsFile
    let expectedLengths: [Int]
    /// Every test item's ids, `[<bos>] + ids + [<eos>]`, in file order.
    let items: [[Int32]]

    init() throws {
        let directory = Self.root.appendingPathComponent("models/notebook-gru-partial")
        let configuration = try JSONDecoder().decode(
            ModelConfiguration.self, from: Data(contentsOf: directory.appendingPathComponent("config.json")))
        self.configuration = configuration
        let weights = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("model.safetensors"))
        var parameters: [String: Tensor] = [:]
        for name in weights.names {
            let view = try weights.tensor(name)
            parameters[name] = Tensor(shape: view.shape, values: try view.floats())
        }
        self.parameters = parameters
        engine = try InferenceEngine(architecture: configuration.architecture, parameters: parameters)
        expected = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("expected_test_outputs.safetensors"))
        expectedLengths = try expected.tensor("lengths").int64s().map { Int($0) }

        let vocabulary = try String(contentsOf: directory.appendingPathComponent("vocab.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        var ids: [Substring: Int32] = [:]
        for (id, token) in vocabulary.enumerated() where !token.isEmpty { ids[token] = Int32(id) }
        let special = configuration.specialTokens
        let rows = try Self.gunzip(Self.root.appendingPathComponent("fixtures/tokenize/test_tokens.jsonl.gz"))
            .split(separator: UInt8(ascii: "\n"))
        let decoder = JSONDecoder()
        items = try rows.map { line in
            let row = try decoder.decode(TokenRow.self, from: Data(line))
            let body = row.tokens.map { ids[Substring($0)] ?? Int32(special.unk) }
            return Array(([Int32(special.bos)] + body + [Int32(special.eos)]).prefix(configuration.maxLength))
        }
    }

    /// One row of `test_tokens.jsonl.gz`.
    struct TokenRow: Decodable {
        let tokens: [String]
    }

    /// The notebook collator: items padded with `<pad>` to the longest, row-major `[batch, time]`.
    func padded(_ batch: [[Int32]]) -> (ids: [Int32], lengths: [Int], time: Int) {
        let time = batch.map(\.count).max() ?? 0
        let pad = Int32(configuration.specialTokens.pad)
        let ids = batch.flatMap { $0 + [Int32](repeating: pad, count: time - $0.count) }
        return (ids, batch.map(\.count), time)
    }

    static func argmax(_ logits: [Float], batch: Int) -> [Int64] {
        (0..<batch).map { b in
            let row = logits[(b * 4)..<(b * 4 + 4)]
            return Int64(row.indices.max { row[$0] < row[$1] }! - b * 4)
        }
    }

    /// The decompressed bytes of a gzip file (`gzip -dc`).
    static func gunzip(_ url: URL) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return data
    }
}
