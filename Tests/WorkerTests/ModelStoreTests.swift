import Classification
import Checkpoint
import Foundation
import MetricsTestKit
import RecurrentNetwork
import Testing
import Worker

@Suite struct ModelStoreTests {
    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("newsclf-worker-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A valid small GRU checkpoint (random weights, seed 7) at `directory/name`.
    static func makeSmallCheckpoint(in directory: URL, name: String) throws -> URL {
        let configuration = ModelConfiguration(
            architecture: .init(cell: .gru, vocabSize: 8, embeddingSize: 8, hiddenSize: 8, numLayers: 1))
        let parameters = try ModelParameters(architecture: configuration.architecture, seed: 7)
        let checkpoint = try Checkpoint(
            configuration: configuration,
            parameters: Dictionary(uniqueKeysWithValues: parameters.namedTensors.map { ($0.name, $0.tensor) }),
            vocabulary: ["<unk>", "<bos>", "<eos>", "<pad>", "oil", "prices", "rise", "stocks"])
        let url = directory.appendingPathComponent(name)
        try checkpoint.save(to: url)
        return url
    }

    /// A copy of a checkpoint whose `model.safetensors` is cut in half.
    static func makeTruncatedCheckpoint(from source: URL, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("truncated")
        try FileManager.default.copyItem(at: source, to: url)
        let model = url.appendingPathComponent(Checkpoint.modelFileName)
        let bytes = try Data(contentsOf: model)
        try bytes.prefix(bytes.count / 2).write(to: model)
        return url
    }

    @Test func reloadFollowsTheRepointedSymlink() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try Self.makeSmallCheckpoint(in: directory, name: "first")
        let link = directory.appendingPathComponent("current")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: WorkerTestSupport.shippedModel)
        let metrics = TestMetrics()
        let store = try ModelStore(
            path: link.path, environment: [:], metrics: WorkerMetrics(factory: metrics),
            logger: WorkerTestSupport.logger)
        let shippedDigest = try WorkerTestSupport.classifier().digest
        #expect(store.current.digest == shippedDigest)

        try FileManager.default.removeItem(at: link)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: first)
        let outcome = store.reload()
        guard case .reloaded(let previous, let digest) = outcome else {
            Issue.record("reload refused: \(outcome)")
            return
        }
        #expect(previous == shippedDigest)
        #expect(digest == store.current.digest)
        #expect(store.current.name == "first", "the name is the symlink target's")
        #expect(digest != shippedDigest)
        #expect(metrics.counterTotal(label: "newsclf_model_reloads_total", dimensions: [("result", "success")]) == 1)
        #expect(try metrics.expectGauge("newsclf_model_info", [("name", "first"), ("digest", digest)]).lastValue == 1)
        #expect(
            try metrics.expectGauge("newsclf_model_info", [("name", "agnews-gru"), ("digest", shippedDigest)]).lastValue == 0,
            "the previous model's info gauge drops to 0")
    }

    @Test func aTruncatedCheckpointIsRefusedAndTheOldModelKeepsServing() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try Self.makeSmallCheckpoint(in: directory, name: "good")
        let truncated = try Self.makeTruncatedCheckpoint(from: good, in: directory)
        let link = directory.appendingPathComponent("current")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: good)
        let metrics = TestMetrics()
        let store = try ModelStore(
            path: link.path, environment: [:], metrics: WorkerMetrics(factory: metrics),
            logger: WorkerTestSupport.logger)
        let servingDigest = store.current.digest

        try FileManager.default.removeItem(at: link)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: truncated)
        let outcome = store.reload()
        #expect(!outcome.succeeded)
        if case .refused(let error) = outcome {
            #expect(error.directory.hasSuffix("truncated"))
            #expect(error.problem.contains(Checkpoint.modelFileName), "names the file: \(error.problem)")
        }
        #expect(store.current.digest == servingDigest)
        #expect(metrics.counterTotal(label: "newsclf_model_reloads_total", dimensions: [("result", "failure")]) == 1)
    }

    /// `abstain_below_per_label` naming a label the model lacks: the start fails naming the key
    /// and the model's labels; a reload to such a model is refused and the old one keeps serving.
    @Test func aPerLabelThresholdForALabelTheModelLacksRefusesTheModel() throws {
        let policy = try AbstainPolicy(threshold: 0.5, perLabel: ["Sports": 0.9])
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let renamed = directory.appendingPathComponent("renamed")
        try FileManager.default.copyItem(at: WorkerTestSupport.shippedModel, to: renamed)
        let config = renamed.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
        try #require(text.contains(#""Sports""#))
        try text.replacingOccurrences(of: #""Sports""#, with: #""Athletics""#).write(to: config, atomically: true, encoding: .utf8)

        let startError = try #require(throws: ModelLoadError.self) {
            try ModelStore(path: renamed.path, environment: [:], abstainPolicy: policy, logger: WorkerTestSupport.logger)
        }
        #expect(startError.problem == #"abstain_below_per_label: "Sports" is not a label of the model (its labels: World, Athletics, Business, Sci/Tech)"#)

        let link = directory.appendingPathComponent("current")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: WorkerTestSupport.shippedModel)
        let store = try ModelStore(path: link.path, environment: [:], abstainPolicy: policy, logger: WorkerTestSupport.logger)
        let serving = store.current.digest
        try FileManager.default.removeItem(at: link)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: renamed)
        guard case .refused(let error) = store.reload() else {
            Issue.record("the reload was not refused")
            return
        }
        #expect(error.problem.contains("abstain_below_per_label"), "\(error)")
        #expect(store.current.digest == serving, "the old model keeps serving")
    }

    @Test func aMissingDirectoryIsRefused() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try Self.makeSmallCheckpoint(in: directory, name: "good")
        let store = try ModelStore(path: good.path, environment: [:], logger: WorkerTestSupport.logger)
        try FileManager.default.removeItem(at: good)
        #expect(!store.reload().succeeded)
        #expect(store.current.name == "good")
    }

    @Test func anUnloadableInitialModelIsAnError() throws {
        #expect(throws: ModelLoadError.self) {
            try ModelStore(path: "/nonexistent/newsclf-model", environment: [:], logger: WorkerTestSupport.logger)
        }
    }
}
