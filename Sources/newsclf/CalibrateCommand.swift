import ArgumentParser
import Checkpoint
import Classification
import Foundation
import JSON
import TextPipeline
import Training

/// `newsclf calibrate --model DIR --data FILE [--validation-of-training]`: fits the temperature
/// of an existing checkpoint (temperature scaling) and writes it into its `config.json`.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a checkpoint's temperature on labelled data and write it into its config.json.",
        discussion: """
            Temperature scaling (Guo et al. 2017): one T > 0 divides the logits before the softmax; \
            T minimises the mean negative log-likelihood of the labels of FILE. Predictions do not \
            change, only the probabilities. config.json is rewritten atomically with `temperature` \
            set and every other key kept, so the checkpoint digest changes. Prints T and the NLL \
            and ECE (15 equal-width bins) before and after.

            Fit on held-out data the model was not trained on: its validation split. With \
            --validation-of-training, FILE is the training file of the checkpoint and only the \
            stratified validation portion newsclf-train held out of it is used (seed, fraction \
            and row limit from the checkpoint's metrics.json unless given). The test split only \
            reports: calibrating on it is refused.
            """)

    @Option(help: "Checkpoint directory to calibrate (default: the shipped agnews-gru model).")
    var model: String?

    @Option(help: "Labelled data: AG News CSV or JSONL with `label` (plain or .gz).")
    var data: String

    @Flag(help: "Use only the validation split newsclf-train held out of --data (the checkpoint's training file).")
    var validationOfTraining = false

    @Option(help: "With --validation-of-training: the training run's seed (default: metrics.json's).")
    var seed: UInt64?

    @Option(help: "With --validation-of-training: the share held out (default: metrics.json's valid_fraction).")
    var validFraction: Double?

    @Option(help: "With --validation-of-training: the run's row limit (default: metrics.json's limit, else all rows).")
    var limit: Int?

    @Flag(help: "Fit and print, but do not write config.json.")
    var dryRun = false

    @Option(help: "Also write the items' labels and logits (no temperature) as CSV `label,logit_0,…` to this file (the reference fixture of scripts/calibration-reference).")
    var logitsOut: String?

    @Option(help: "Items per batch.")
    var batchSize: Int = 64

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if !validationOfTraining, seed != nil || validFraction != nil || limit != nil {
            throw ValidationError("--seed, --valid-fraction and --limit need --validation-of-training")
        }
        if let validFraction, !(validFraction > 0 && validFraction < 1) {
            throw ValidationError("--valid-fraction must be in (0, 1), got \(validFraction)")
        }
    }

    func run() throws {
        let directory: URL
        let checkpoint: Checkpoint
        do {
            directory = try model.map { URL(fileURLWithPath: $0) } ?? ShippedModel.directory()
            checkpoint = try Checkpoint.load(from: directory)
        } catch {
            throw CommandFailure.badInput("\(error)")
        }
        let classifier: TextClassifier
        do {
            classifier = try TextClassifier(checkpoint: checkpoint, name: directory.lastPathComponent)
        } catch {
            throw CommandFailure.badInput("\(error)")
        }
        let url = URL(fileURLWithPath: data)
        var items: [NewsItem]
        let file: TrainingData
        do {
            let trainingConfiguration = Self.trainingConfiguration(checkpoint.metrics)
            let rowLimit = validationOfTraining ? limit ?? trainingConfiguration?["limit"]?.integerValue : nil
            file = try TrainingData(contentsOf: url, labels: classifier.labels, limit: rowLimit)
        } catch {
            throw CommandFailure.badInput(error.description)
        }
        if file.isAGNewsTestSplit || Self.recordedDigest(checkpoint.metrics, "test") == file.fileDigest {
            throw CommandFailure.badInput(
                "\(url.path) is the test split, which only reports; calibrate on the validation split (--validation-of-training with the training file)")
        }
        items = file.items
        var source = "\(items.count) items of \(url.path)"
        if validationOfTraining {
            let recorded = Self.trainingConfiguration(checkpoint.metrics)
            guard let seed = seed ?? recorded?["seed"]?.integerValue.map({ UInt64(bitPattern: Int64($0)) }),
                let fraction = validFraction ?? recorded?["valid_fraction"]?.doubleValue
            else {
                throw CommandFailure.badInput(
                    "\(directory.path)/metrics.json records no configuration.seed and valid_fraction; pass --seed and --valid-fraction")
            }
            if let trained = Self.recordedDigest(checkpoint.metrics, "train"), trained != file.fileDigest {
                FileHandle.standardError.write(Data(
                    "newsclf: warning: \(url.path) is \(file.fileDigest), the checkpoint was trained on \(trained)\n".utf8))
            }
            let split = ValidationSplit(labels: items.map(\.label), classCount: classifier.labels.count, fraction: fraction, seed: seed)
            items = split.validationIndices.map { items[$0] }
            source = "the validation split of \(url.path) (\(items.count) of \(file.items.count) rows, fraction \(fraction), seed \(seed), stratified)"
        }

        let logits: LabelledLogits
        do {
            logits = try LabelledLogits(
                logits: try classifier.logits(texts: items.map(\.text), batchSize: batchSize), labels: items.map(\.label),
                classCount: classifier.labels.count)
        } catch let error as CalibrationError {
            throw CommandFailure.badInput("\(url.path): \(error)")
        } catch {
            throw CommandFailure.runtime("\(error)")
        }
        if let logitsOut {
            var csv = "label," + (0..<logits.classCount).map { "logit_\($0)" }.joined(separator: ",") + "\n"
            for item in 0..<logits.count {
                let row = logits.logits[(item * logits.classCount)..<((item + 1) * logits.classCount)]
                csv += "\(logits.labels[item])," + row.map { "\($0)" }.joined(separator: ",") + "\n"
            }
            do {
                try Data(csv.utf8).write(to: URL(fileURLWithPath: logitsOut), options: .atomic)
            } catch {
                throw CommandFailure.runtime("\(logitsOut): cannot write: \(error.localizedDescription)")
            }
        }
        let fit = TemperatureScaling.fit(logits)
        let before = CalibrationMetrics(logits, temperature: 1)
        let after = CalibrationMetrics(logits, temperature: fit.temperature)
        print("model: \(classifier.name) \(classifier.digest) (temperature \(checkpoint.configuration.temperature))")
        print("data: \(source)")
        print("temperature: \(fit.temperature)\(fit.isAtBound ? " (at the end of the range searched)" : "") (\(fit.iterations) evaluations)")
        print(String(format: "NLL: %.4f → %.4f (T = 1 → T)", before.negativeLogLikelihood, after.negativeLogLikelihood))
        print(String(format: "ECE (15 bins): %.4f → %.4f", before.expectedCalibrationError, after.expectedCalibrationError))
        print(String(format: "accuracy: %.4f (unchanged)", after.accuracy))
        guard !dryRun else {
            print("dry run: config.json not written")
            return
        }
        do {
            let written = try Checkpoint.setTemperature(fit.temperature, in: directory)
            print("wrote \(directory.appendingPathComponent(Checkpoint.configurationFileName).path); digest \(written.digest ?? "-")")
        } catch {
            throw CommandFailure.runtime(error.description)
        }
    }

    /// `metrics.json`'s `configuration` object (the training run's options).
    static func trainingConfiguration(_ metrics: CheckpointMetrics) -> [String: JSONValue]? {
        guard case .object(let configuration)? = metrics["configuration"] else { return nil }
        return configuration
    }

    /// `metrics.json`'s `data.<name>.sha256`.
    static func recordedDigest(_ metrics: CheckpointMetrics, _ name: String) -> String? {
        guard case .object(let data)? = metrics["data"], case .object(let entry)? = data[name],
            case .string(let digest)? = entry["sha256"]
        else { return nil }
        return digest
    }
}

extension JSONValue {
    /// The value as an integer (an integral number included).
    fileprivate var integerValue: Int? {
        switch self {
        case .integer(let v): Int(v)
        case .number(let v) where v.rounded() == v: Int(v)
        default: nil
        }
    }

    /// The value as a number.
    fileprivate var doubleValue: Double? {
        switch self {
        case .integer(let v): Double(v)
        case .number(let v): v
        default: nil
        }
    }
}
