import Checkpoint
import Foundation
import JSON
import RecurrentNetwork
import TextPipeline

/// The record of a run that goes into `metrics.json` (the run's, and each checkpoint's): data
/// files and their SHA-256, configuration, seed, split sizes, the validation, test and sample
/// accuracies, the calibration (``CalibrationRecord``), wall time and samples/s.
struct TrainingRecord {
    let train: TrainingData
    let test: TrainingData?
    let split: ValidationSplit
    let vocabulary: Vocabulary
    let configuration: TrainingConfiguration
    let threads: Int
    let initFrom: URL?

    /// The header logged at the start.
    func header(parameterCount: Int) -> String {
        let c = configuration
        return """
            data: \(train.path) (\(train.items.count) rows used, \(train.fileDigest))
            split: \(split.trainingIndices.count) training, \(split.validationIndices.count) validation (\(c.validationFraction), stratified, seed \(c.seed))
            vocabulary: \(vocabulary.count) tokens (count > \(c.vocabularyThreshold)\(initFrom.map { ", from \($0.path)" } ?? ""), \(c.preprocessing.rawValue))
            model: \(c.cell.rawValue) \(c.numLayers) layer(s)\(c.bidirectional ? " bidirectional" : ""), E \(c.embeddingSize), H \(c.hiddenSize), \(c.pooling.rawValue)\(c.concatLast ? "+last" : "") pooling, dropout \(c.dropout), rnn dropout \(c.rnnDropout); \(parameterCount) parameters
            training: \(c.epochs) epoch(s), batch \(c.batchSize), Adam lr \(c.learningRate)\(c.learningRateDecay.map { " × \($0) per epoch" } ?? "")\(c.clipNorm.map { ", clip norm \($0)" } ?? ""), \(threads) thread(s)
            """
    }

    /// The configuration as a JSON value (snake_case keys).
    var configurationValue: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(configuration))) ?? .null
    }

    var dataValue: JSONValue {
        var data: [String: JSONValue] = [
            "train": ["file": .string(train.path), "sha256": .string(train.fileDigest), "rows_used": .integer(Int64(train.items.count))],
        ]
        if let test {
            data["test"] = [
                "file": .string(test.path), "sha256": .string(test.fileDigest), "rows": .integer(Int64(test.items.count)),
                "is_ag_news_test_split": .bool(test.isAGNewsTestSplit),
            ]
        }
        return .object(data)
    }

    static func pointValue(_ point: LearningCurves.Point?) -> JSONValue {
        guard let p = point else { return .null }
        return [
            "epoch": .number(p.epoch), "step": .integer(Int64(p.step)), "train_loss": .number(p.trainLoss),
            "train_accuracy": .number(p.trainAccuracy), "validation_loss": .number(p.validationLoss),
            "validation_accuracy": .number(p.validationAccuracy),
        ]
    }

    static func testValue(_ test: TestFigures?) -> JSONValue {
        guard let test else { return .null }
        return [
            "accuracy": .number(test.accuracy), "loss": .number(test.loss), "items": .integer(Int64(test.count)),
            "sample_accuracy": test.sampleAccuracy.map { .number($0) } ?? .null,
        ]
    }

    private func common(elapsed: Double, progress: TrainingProgress) -> [String: JSONValue] {
        [
            "trainer": "newsclf-train",
            "data": dataValue,
            "configuration": configurationValue,
            "seed": .integer(Int64(bitPattern: configuration.seed)),
            "threads": .integer(Int64(threads)),
            "init_from": initFrom.map { .string($0.path) } ?? .null,
            "split": ["training": .integer(Int64(split.trainingIndices.count)), "validation": .integer(Int64(split.validationIndices.count))],
            "vocabulary_size": .integer(Int64(vocabulary.count)),
            "steps": .integer(Int64(progress.globalStep)),
            "wall_seconds": .number(elapsed),
            "samples_per_second": .number(progress.trainingSeconds > 0 ? Double(progress.samplesTrained) / progress.trainingSeconds : 0),
        ]
    }

    /// A checkpoint's `metrics.json`: the common record, which checkpoint, its evaluation and test figures.
    func checkpointMetrics(
        name: String, progress: TrainingProgress, point: LearningCurves.Point?, test: TestFigures?, elapsed: Double,
        calibration: CalibrationRecord? = nil
    ) -> CheckpointMetrics {
        var values = common(elapsed: elapsed, progress: progress)
        values["checkpoint"] = .string(name)
        values["evaluation"] = Self.pointValue(point)
        values["validation_accuracy"] = point.map { .number($0.validationAccuracy) } ?? .null
        values["test"] = Self.testValue(test)
        values["test_accuracy"] = test.map { .number($0.accuracy) } ?? .null
        values["sample_accuracy"] = test?.sampleAccuracy.map { .number($0) } ?? .null
        if let calibration { values["calibration"] = calibration.jsonValue }
        return CheckpointMetrics(values)
    }

    /// The run's `DIR/metrics.json`: the common record, the best and last models' figures (the
    /// top-level accuracies are the best model's), and every evaluation.
    func runMetrics(summary: TrainingSummary, progress: TrainingProgress) -> CheckpointMetrics {
        var values = common(elapsed: summary.wallSeconds, progress: progress)
        values["best"] = [
            "evaluation": Self.pointValue(summary.best), "test": Self.testValue(summary.bestTest),
            "calibration": summary.bestCalibration?.jsonValue ?? .null,
        ]
        values["last"] = [
            "evaluation": Self.pointValue(summary.last), "test": Self.testValue(summary.lastTest),
            "calibration": summary.lastCalibration?.jsonValue ?? .null,
        ]
        values["validation_accuracy"] = summary.best.map { .number($0.validationAccuracy) } ?? .null
        values["test_accuracy"] = summary.bestTest.map { .number($0.accuracy) } ?? .null
        values["sample_accuracy"] = summary.bestTest?.sampleAccuracy.map { .number($0) } ?? .null
        values["training_seconds"] = .number(summary.trainingSeconds)
        values["evaluations"] = .array(progress.curves.points.map { Self.pointValue($0) })
        return CheckpointMetrics(values)
    }
}
