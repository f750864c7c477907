import ArgumentParser
import Checkpoint
import Classification
import Foundation
import TextPipeline

/// `newsclf eval [--model DIR] --test PATH`: accuracy on an AG News CSV.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model on an AG News CSV (plain or .gz).",
        discussion: """
            Prints `accuracy: 0.XXXX` over the whole file and, when the file is the AG News test \
            split, `sample accuracy: 0.XXXX` over the reference notebook's 5,000-item sample \
            (every draw counted, repeats included), then the confusion matrix and the speed.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "AG News CSV file (\"class\",\"title\",\"description\"; .csv or .csv.gz).")
    var test: String

    @Option(help: "Items per batch, consecutive in file order. Matters only for models with the notebook's padding semantics (the notebook evaluated in batches of 32).")
    var batchSize: Int = 32

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let classifier = try modelOptions.loadClassifier()
        let url = URL(fileURLWithPath: test)
        let items: [NewsItem]
        let isTestSplit: Bool
        do {
            let raw = try Data(contentsOf: url)
            let data = Gzip.isGzip(raw) ? try Gzip.decompress(raw) : raw
            items = try AGNewsReader.parse(data, source: url.path)
            isTestSplit = Checkpoint.digest(of: data) == EvaluationSample.agNewsTestSplitDigest
        } catch let error as AGNewsReaderError {
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
