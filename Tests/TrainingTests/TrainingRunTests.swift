import Checkpoint
import Classification
import Foundation
import JSON
import TestSupport
import Testing
import TextPipeline
@testable import Training

@Suite(.onNumericsThreads) struct TrainingRunTests {
    @Test func tinyRunWritesTheOutputLayoutAndALoadableCheckpoint() throws {
        let out = TrainingFixtures.outputDirectory()
        let outcome = try TrainingFixtures.run(out: out)
        guard case .finished(let summary) = outcome else {
            Issue.record("run did not finish: \(outcome)")
            return
        }
        let manager = FileManager.default
        for name in ["best/model.safetensors", "best/config.json", "best/vocab.txt", "best/metrics.json",
                     "last/model.safetensors", "resume/state.json", "resume/parameters.safetensors",
                     "resume/optimizer.safetensors", "resume/vocab.txt", "curves.csv", "curves.svg", "metrics.json"] {
            #expect(manager.fileExists(atPath: out.appendingPathComponent(name).path), "missing \(name)")
        }
        let checkpoint = try Checkpoint.load(from: out.appendingPathComponent("best"))
        #expect(checkpoint.configuration.architecture.hiddenSize == 16)
        #expect(checkpoint.configuration.architecture.padding == .masked)
        #expect(checkpoint.vocabulary.count == summary.vocabularySize)
        let classifier = try TextClassifier(directory: out.appendingPathComponent("best"))
        let predictions = try classifier.classify(texts: ["Stocks fell sharply on Wall Street", "The team won the cup"])
        #expect(predictions.count == 2)

        // Evaluations every half epoch: two points for one epoch; test figures reported.
        #expect(summary.best != nil)
        let curves = try String(contentsOf: out.appendingPathComponent("curves.csv"), encoding: .utf8)
        #expect(curves.split(separator: "\n").count == 3)
        #expect(summary.bestTest?.count == 120)
        #expect(summary.bestTest?.sampleAccuracy == nil)  // not the 7,600-row test split
        let metrics = try CheckpointMetrics(jsonData: Data(contentsOf: out.appendingPathComponent("metrics.json")))
        #expect(metrics["test_accuracy"] == .number(summary.bestTest!.accuracy))
        guard case .object(let data)? = metrics["data"], case .object(let train)? = data["train"] else {
            Issue.record("metrics.json has no data.train")
            return
        }
        #expect(train["sha256"] == .string(Checkpoint.digest(of: try Data(contentsOf: TrainingFixtures.trainFile))))

        // Temperature scaling fitted on the validation split: stored in config.json, recorded with
        // ECE and NLL before and after on validation and test.
        let calibration = try #require(summary.bestCalibration)
        #expect(checkpoint.configuration.temperature == calibration.temperature)
        #expect(calibration.temperature > 0 && calibration.temperature.isFinite)
        #expect(calibration.validationAfter.negativeLogLikelihood <= calibration.validationBefore.negativeLogLikelihood + 1e-12)
        #expect(calibration.validationBefore.count == summary.validationCount)
        #expect(calibration.testAfter?.count == 120)
        guard case .object(let best)? = metrics["best"], case .object(let recorded)? = best["calibration"],
            case .object(let test)? = recorded["test"], case .object(let after)? = test["after"]
        else {
            Issue.record("metrics.json has no best.calibration.test.after")
            return
        }
        // An integral value reads back as a JSON integer (the tiny model's T may be the bound 100).
        func number(_ value: JSONValue?) -> Double? {
            switch value {
            case .integer(let v)?: Double(v)
            case .number(let v)?: v
            default: nil
            }
        }
        #expect(number(recorded["temperature"]) == calibration.temperature)
        #expect(recorded["ece_bins"] == .integer(15))
        #expect(number(after["ece"]) == calibration.testAfter!.expectedCalibrationError)
        #expect(number(after["nll"]) == calibration.testAfter!.negativeLogLikelihood)
        let bestMetrics = checkpoint.metrics
        guard case .object(let own)? = bestMetrics["calibration"] else {
            Issue.record("best/metrics.json has no calibration")
            return
        }
        #expect(number(own["temperature"]) == calibration.temperature)
    }

    @Test func vocabularyComesFromTheTrainingPortionOnly() throws {
        let out = TrainingFixtures.outputDirectory()
        _ = try TrainingFixtures.run(out: out)
        let configuration = TrainingFixtures.configuration
        let data = try TrainingData(contentsOf: TrainingFixtures.trainFile, labels: configuration.labels)
        let split = ValidationSplit(
            labels: data.items.map(\.label), classCount: 4, fraction: configuration.validationFraction, seed: configuration.seed)
        var builder = VocabularyBuilder(tokenizer: Tokenizer(preprocessing: .notebookV1))
        for row in split.trainingIndices { builder.add(data.items[row].text) }
        let expected = try builder.vocabulary(threshold: configuration.vocabularyThreshold)
        let checkpoint = try Checkpoint.load(from: out.appendingPathComponent("last"))
        #expect(checkpoint.vocabulary == expected.tokens)
    }

    @Test func twoRunsGiveByteIdenticalModels() throws {
        let first = TrainingFixtures.outputDirectory("first")
        let second = TrainingFixtures.outputDirectory("second")
        _ = try TrainingFixtures.run(out: first)
        _ = try TrainingFixtures.run(out: second)
        for name in ["best/model.safetensors", "last/model.safetensors", "best/vocab.txt"] {
            let a = TrainingFixtures.bytes(first.appendingPathComponent(name))
            #expect(a != nil)
            #expect(a == TrainingFixtures.bytes(second.appendingPathComponent(name)), "\(name) differs")
        }
    }

    @Test func anotherSeedGivesAnotherModel() throws {
        let first = TrainingFixtures.outputDirectory("seed0")
        let second = TrainingFixtures.outputDirectory("seed1")
        var configuration = TrainingFixtures.configuration
        _ = try TrainingFixtures.run(configuration, out: first)
        configuration.seed = 1
        _ = try TrainingFixtures.run(configuration, out: second)
        #expect(TrainingFixtures.bytes(first.appendingPathComponent("last/model.safetensors"))
            != TrainingFixtures.bytes(second.appendingPathComponent("last/model.safetensors")))
    }

    @Test func learningRateDecayChangesTheModel() throws {
        var configuration = TrainingFixtures.configuration
        configuration.epochs = 2
        let constant = TrainingFixtures.outputDirectory("constant-lr")
        let decayed = TrainingFixtures.outputDirectory("decayed-lr")
        guard case .finished(let a) = try TrainingFixtures.run(configuration, out: constant) else {
            Issue.record("constant-rate run did not finish")
            return
        }
        configuration.learningRateDecay = 0.25
        guard case .finished(let b) = try TrainingFixtures.run(configuration, out: decayed) else {
            Issue.record("decayed run did not finish")
            return
        }
        #expect(a.last?.trainLoss != b.last?.trainLoss)
        #expect(TrainingFixtures.bytes(constant.appendingPathComponent("last/model.safetensors"))
            != TrainingFixtures.bytes(decayed.appendingPathComponent("last/model.safetensors")))
    }

    @Test func resumeAfterInterruptionEqualsAnUninterruptedRun() throws {
        var configuration = TrainingFixtures.configuration
        configuration.epochs = 2
        configuration.dropout = 0.3
        configuration.rnnDropout = 0.2
        configuration.numLayers = 2
        configuration.learningRateDecay = 0.5
        let straight = TrainingFixtures.outputDirectory("straight")
        guard case .finished(let expected) = try TrainingFixtures.run(configuration, out: straight) else {
            Issue.record("uninterrupted run did not finish")
            return
        }

        let interrupted = TrainingFixtures.outputDirectory("interrupted")
        var polls = 0
        // 12 batches an epoch: stop mid-way through the second epoch, between two evaluations.
        let first = try TrainingFixtures.run(configuration, out: interrupted, shouldStop: {
            polls += 1
            return polls > 15
        })
        #expect(first == .interrupted(step: 15))
        guard case .finished(let resumed) = try TrainingFixtures.run(configuration, out: interrupted, resume: true) else {
            Issue.record("resumed run did not finish")
            return
        }
        for name in ["best/model.safetensors", "last/model.safetensors"] {
            let a = TrainingFixtures.bytes(straight.appendingPathComponent(name))
            #expect(a != nil)
            #expect(a == TrainingFixtures.bytes(interrupted.appendingPathComponent(name)), "\(name) differs")
        }
        #expect(resumed.best?.step == expected.best?.step)
        #expect(resumed.last?.validationLoss == expected.last?.validationLoss)
        #expect(resumed.last?.trainLoss == expected.last?.trainLoss)
        #expect(resumed.bestTest == expected.bestTest)
    }

    @Test func limitUsesTheFirstRowsOnly() throws {
        var configuration = TrainingFixtures.configuration
        configuration.limit = 200
        guard case .finished(let summary) = try TrainingFixtures.run(configuration, out: TrainingFixtures.outputDirectory()) else {
            Issue.record("run did not finish")
            return
        }
        #expect(summary.trainingCount + summary.validationCount == 200)
    }

    @Test func initFromKeepsTheCheckpointsVocabulary() throws {
        let base = TrainingFixtures.outputDirectory("base")
        _ = try TrainingFixtures.run(out: base)
        var configuration = TrainingFixtures.configuration
        configuration.vocabularyThreshold = 0  // would give a larger vocabulary if it were rebuilt
        let warm = TrainingFixtures.outputDirectory("warm")
        _ = try TrainingFixtures.run(configuration, out: warm, initFrom: base.appendingPathComponent("last"))
        let before = try Checkpoint.load(from: base.appendingPathComponent("last"))
        let after = try Checkpoint.load(from: warm.appendingPathComponent("last"))
        #expect(after.vocabulary == before.vocabulary)
        #expect(after.parameters != before.parameters)
    }

    @Test func jsonlWithLabelNamesAndIdsTrains() throws {
        let items = try TrainingData(contentsOf: TrainingFixtures.trainFile, labels: TrainingFixtures.configuration.labels).items
        let labels = TrainingFixtures.configuration.labels
        let lines = items.enumerated().map { index, item in
            let text = String(data: try! JSONEncoder().encode(item.text), encoding: .utf8)!
            let label = index.isMultiple(of: 2) ? "\"\(labels[item.label])\"" : "\(item.label)"
            return "{\"id\": \(index), \"text\": \(text), \"label\": \(label)}"
        }
        let file = TrainingFixtures.file("train.jsonl", lines.joined(separator: "\n") + "\n")
        let fromJSON = TrainingFixtures.outputDirectory("json")
        let fromCSV = TrainingFixtures.outputDirectory("csv")
        _ = try TrainingFixtures.run(train: file, out: fromJSON)
        _ = try TrainingFixtures.run(out: fromCSV)
        // Same texts and labels: the same model as from the CSV.
        #expect(TrainingFixtures.bytes(fromJSON.appendingPathComponent("last/model.safetensors"))
            == TrainingFixtures.bytes(fromCSV.appendingPathComponent("last/model.safetensors")))
    }

    // MARK: - Bad input: one clear error, nothing written

    private func expectBadInput(
        _ out: URL, train: URL = TrainingFixtures.trainFile, test: URL? = TrainingFixtures.testFile,
        configuration: TrainingConfiguration = TrainingFixtures.configuration, resume: Bool = false,
        _ matches: (TrainingError.Kind) -> Bool
    ) {
        do {
            _ = try TrainingFixtures.run(configuration, train: train, test: test, out: out, resume: resume)
            Issue.record("expected an error")
        } catch {
            #expect(error.isBadInput)
            #expect(matches(error.kind), "unexpected error: \(error)")
        }
    }

    @Test func missingTrainingFileIsRefused() {
        let out = TrainingFixtures.outputDirectory()
        expectBadInput(out, train: TrainingFixtures.directory.appendingPathComponent("no-such-file.csv")) {
            if case .unreadableData(let message) = $0 { return message.contains("no-such-file.csv") }
            return false
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func missingTestFileIsRefusedBeforeWriting() {
        let out = TrainingFixtures.outputDirectory()
        expectBadInput(out, test: TrainingFixtures.directory.appendingPathComponent("no-such-test.csv")) {
            if case .unreadableData(let message) = $0 { return message.contains("no-such-test.csv") }
            return false
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func badCSVRowIsRefusedWithItsLine() {
        let file = TrainingFixtures.file("bad.csv", "\"1\",\"a title\",\"a text\"\n\"2\",\"unterminated,\"x\"\n")
        let out = TrainingFixtures.outputDirectory()
        expectBadInput(out, train: file) {
            if case .unreadableData(let message) = $0 { return message.contains(":2:") }
            return false
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func emptyTrainingFileIsRefused() {
        let out = TrainingFixtures.outputDirectory()
        expectBadInput(out, train: TrainingFixtures.file("empty.csv", "")) {
            if case .emptyTrainingSet = $0 { return true }
            return false
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func tooFewRowsToSplitAreRefused() {
        let out = TrainingFixtures.outputDirectory()
        expectBadInput(out, train: TrainingFixtures.file("one.csv", "\"1\",\"a title\",\"a text\"\n")) {
            if case .emptyTrainingSet = $0 { return true }
            return false
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func labelOutsideTheClassesIsRefused() {
        let file = TrainingFixtures.file("bad-label.jsonl", "{\"text\": \"a\", \"label\": \"World\"}\n{\"text\": \"b\", \"label\": \"Politics\"}\n")
        let out = TrainingFixtures.outputDirectory()
        expectBadInput(out, train: file) {
            $0 == .unknownLabel(InputLocation(file: file.path, line: 2), label: "Politics")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func nonEmptyOutputDirectoryIsRefusedWithoutResume() throws {
        let out = TrainingFixtures.outputDirectory()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let keep = out.appendingPathComponent("keep.txt")
        try Data("mine".utf8).write(to: keep)
        expectBadInput(out) {
            if case .outputNotEmpty = $0 { return true }
            return false
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["keep.txt"])
    }

    @Test func resumeOfAnotherConfigurationIsRefusedAndNothingIsOverwritten() throws {
        let out = TrainingFixtures.outputDirectory()
        var polls = 0
        _ = try TrainingFixtures.run(out: out, shouldStop: {
            polls += 1
            return polls > 3
        })
        let state = out.appendingPathComponent("resume/state.json")
        let before = TrainingFixtures.bytes(state)
        var other = TrainingFixtures.configuration
        other.hiddenSize = 32
        expectBadInput(out, configuration: other, resume: true) {
            if case .resumeMismatch(_, let problem) = $0 { return problem.contains("hidden_size") }
            return false
        }
        #expect(TrainingFixtures.bytes(state) == before)
    }

    @Test func resumeWithoutAResumeDirectoryIsRefused() {
        let out = TrainingFixtures.outputDirectory()
        expectBadInput(out, resume: true) {
            if case .resumeMismatch = $0 { return true }
            return false
        }
    }

    @Test func evaluationPointsSplitTheEpoch() {
        #expect(TrainingRun.evaluationBatches(batchesPerEpoch: 12, interval: 0.5) == [6, 12])
        #expect(TrainingRun.evaluationBatches(batchesPerEpoch: 10, interval: 0.25) == [3, 5, 8, 10])
        #expect(TrainingRun.evaluationBatches(batchesPerEpoch: 7, interval: 1) == [7])
    }
}
