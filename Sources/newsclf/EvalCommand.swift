import ArgumentParser
import Checkpoint
import Classification
import Foundation
import TextPipeline
import Training

/// `newsclf eval [--model DIR] --test PATH [--plots DIR] [--target-accuracy A]`: accuracy,
/// calibration and selective accuracy on an AG News CSV or labelled JSONL.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model on an AG News CSV or labelled JSONL (plain or .gz).",
        discussion: """
            Prints `accuracy: 0.XXXX` over the whole file and, when the file is the AG News test \
            split, `sample accuracy: 0.XXXX` over the reference notebook's 5,000-item sample \
            (every draw counted, repeats included), then the confusion matrix and the speed.

            Then the calibration of the probabilities as served (the checkpoint's temperature \
            applied): ECE over 15 equal-width confidence bins (Guo et al. 2017) and the NLL, and \
            the accuracy at coverage 100 / 95 / 90 / 80 % (answering only the most confident \
            share of the items). --plots DIR writes reliability.svg (confidence vs accuracy per \
            bin, with counts) and coverage.svg (accuracy against coverage). --target-accuracy A \
            reports the lowest confidence threshold whose answered items reach accuracy A on \
            this data, and the coverage it keeps (evidence for the worker's abstain threshold).
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "AG News CSV file (\"class\",\"title\",\"description\"; .csv or .csv.gz), or JSONL in the input-topic schema with a `label` (a class name or id).")
    var test: String

    @Option(help: "Items per batch, consecutive in file order. Matters only for models with the notebook's padding semantics (the notebook evaluated in batches of 32).")
    var batchSize: Int = 32

    @Option(help: "Write reliability.svg and coverage.svg into this directory (created if absent).")
    var plots: String?

    @Option(help: "Report the confidence threshold and coverage that reach this accuracy, in (0, 1].")
    var targetAccuracy: Double?

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let targetAccuracy, !(targetAccuracy > 0 && targetAccuracy <= 1) {
            throw ValidationError("--target-accuracy must be in (0, 1], got \(targetAccuracy)")
        }
        if let plots, plots.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--plots needs a directory, got an empty string")
        }
    }

    func run() throws {
        // Before the evaluation: a plots directory that cannot be made fails at once (exit 2).
        if let plots {
            let directory = URL(fileURLWithPath: plots)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw CommandFailure.badInput("--plots \(plots): is a file, not a directory")
            }
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw CommandFailure.badInput("--plots \(plots): cannot create the directory: \(error.localizedDescription)")
            }
            guard FileManager.default.isWritableFile(atPath: directory.path) else {
                throw CommandFailure.badInput("--plots \(plots): the directory is not writable")
            }
        }
        let classifier = try modelOptions.loadClassifier()
        let url = URL(fileURLWithPath: test)
        let items: [NewsItem]
        let isTestSplit: Bool
        do {
            let raw = try Data(contentsOf: url)
            let data = Gzip.isGzip(raw) ? try Gzip.decompress(raw) : raw
            let firstByte = data.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
            if firstByte == UInt8(ascii: "{") {
                // JSONL in the input-topic schema with a `label` (name or id), e.g. items of
                // your own traffic labelled from the review topic.
                items = try TrainingData(contentsOf: url, labels: classifier.labels).items
            } else {
                items = try AGNewsReader.parse(data, source: url.path)
            }
            isTestSplit = Checkpoint.digest(of: data) == EvaluationSample.agNewsTestSplitDigest
        } catch let error as AGNewsReaderError {
            throw CommandFailure.badInput(error.description)
        } catch let error as TrainingError {
            throw CommandFailure.badInput(error.description)
        } catch let error as GzipError {
            throw CommandFailure.badInput("\(url.path): \(error)")
        } catch {
            throw CommandFailure.badInput("\(url.path): cannot read: \(error.localizedDescription)")
        }
        if let bad = items.firstIndex(where: { $0.label >= classifier.labels.count }) {
            throw CommandFailure.badInput("\(url.path): row \(bad + 1) has class \(items[bad].label + 1), the model has \(classifier.labels.count) classes")
        }

        let start = ContinuousClock.now
        let predictions: [Prediction]
        do {
            predictions = try classifier.classify(texts: items.map(\.text), batchSize: batchSize)
        } catch {
            throw CommandFailure.runtime(error.description)
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let evaluation = Evaluation(labels: items.map(\.label), predictions: predictions.map(\.labelID), classCount: classifier.labels.count)

        print(String(format: "accuracy: %.4f", evaluation.accuracy))
        if isTestSplit, let sample = try sampleAccuracy(classifier: classifier, items: items, evaluation: evaluation) {
            print(String(format: "sample accuracy: %.4f", sample))
        }
        print("items: \(evaluation.count)")
        print("model: \(classifier.name) \(classifier.digest)")
        print("confusion matrix (rows: true class, columns: predicted):")
        print(evaluation.confusionTable(labels: classifier.labels))
        print(String(format: "speed: %.0f items/s (tokenize + classify, batch %d, %d threads, %.2f s)",
                     Double(items.count) / seconds, batchSize, modelOptions.threads, seconds))
        try reportCalibration(classifier: classifier, predictions: predictions, labels: items.map(\.label), file: url)
    }

    /// ECE, NLL, accuracy at coverage, the threshold for `--target-accuracy`, the plots.
    private func reportCalibration(classifier: TextClassifier, predictions: [Prediction], labels: [Int], file: URL) throws {
        let metrics = CalibrationMetrics(predictions: predictions, labels: labels)
        let curve = CoverageCurve(predictions: predictions, labels: labels)
        print("calibration (temperature \(classifier.configuration.temperature)):")
        print(String(format: "  ECE (%d equal-width bins): %.4f", metrics.bins.count, metrics.expectedCalibrationError))
        print(String(format: "  NLL: %.4f", metrics.negativeLogLikelihood))
        print(String(format: "  mean confidence: %.4f", metrics.meanConfidence))
        print("accuracy at coverage (the most confident share answered):")
        for coverage in [1.0, 0.95, 0.9, 0.8] {
            guard let accuracy = curve.accuracy(atCoverage: coverage) else { continue }
            print(String(format: "  %3.0f %%: %.4f", coverage * 100, accuracy))
        }
        if let targetAccuracy {
            if let point = curve.point(reaching: targetAccuracy) {
                // The threshold exactly as the Float32 confidence it is (shortest round-trip
                // text), so that `--abstain-below` with it answers these very items.
                print(
                    String(format: "target accuracy %.4f: threshold ", targetAccuracy) + "\(Float(point.threshold))"
                        + String(
                            format: " (answer items with top probability ≥ it) keeps coverage %.4f (%d of %d items), accuracy %.4f",
                            point.coverage, point.answered, curve.count, point.accuracy))
            } else {
                print(String(format: "target accuracy %.4f: not reached on this data at any threshold", targetAccuracy))
            }
        }
        if let plots {
            let directory = URL(fileURLWithPath: plots)
            let title = "\(classifier.name) on \(file.lastPathComponent) (T = \(String(format: "%.4f", classifier.configuration.temperature)))"
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                for (name, svg) in [
                    ("reliability.svg", CalibrationPlot.reliabilityDiagram(metrics, title: "Reliability: " + title)),
                    ("coverage.svg", CalibrationPlot.coverageCurve(curve, title: "Accuracy–coverage: " + title)),
                ] {
                    let url = directory.appendingPathComponent(name)
                    try Data(svg.utf8).write(to: url, options: .atomic)
                    print("wrote \(url.path)")
                }
            } catch {
                throw CommandFailure.runtime("\(directory.path): cannot write the plots: \(error.localizedDescription)")
            }
        }
    }

    /// Accuracy on the notebook's 5,000-item sample. With masked padding an item's prediction does
    /// not depend on its batch, so it is read off the full run; a model with the notebook's padding
    /// semantics is re-run on the sample items in sample order, batched as the notebook did.
    private func sampleAccuracy(classifier: TextClassifier, items: [NewsItem], evaluation: Evaluation) throws -> Double? {
        let sample = EvaluationSample.notebook
        guard classifier.configuration.architecture.padding == .notebook else { return evaluation.accuracy(on: sample) }
        guard sample.indices.allSatisfy({ $0 < items.count }) else { return nil }
        let sampled = sample.indices.map { items[$0] }
        let predictions: [Prediction]
        do {
            predictions = try classifier.classify(texts: sampled.map(\.text), batchSize: batchSize)
        } catch {
            throw CommandFailure.runtime(error.description)
        }
        return Evaluation(labels: sampled.map(\.label), predictions: predictions.map(\.labelID), classCount: classifier.labels.count).accuracy
    }
}
