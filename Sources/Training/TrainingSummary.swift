import Foundation

/// Test-file figures of one model.
public struct TestFigures: Sendable, Equatable {
    /// Fraction correct over the whole file.
    public var accuracy: Double
    /// Mean cross-entropy (nats) over the whole file.
    public var loss: Double
    /// Fraction correct over the notebook's 5,000-item sample (every draw counted), when the
    /// file is the AG News test split; else `nil`.
    public var sampleAccuracy: Double?
    /// Items in the file.
    public var count: Int
}

/// What a finished run reached.
public struct TrainingSummary: Sendable, Equatable {
    /// The evaluation whose weights are in `best/` (highest validation accuracy).
    public var best: LearningCurves.Point?
    /// The last evaluation (the weights in `last/`).
    public var last: LearningCurves.Point?
    /// Test figures of `best/` and `last/` (`nil` without a test file).
    public var bestTest: TestFigures?
    public var lastTest: TestFigures?
    /// Seconds the run took, all sessions together.
    public var wallSeconds: Double
    /// Seconds spent in optimizer steps.
    public var trainingSeconds: Double
    /// Training items processed by optimizer steps.
    public var samplesTrained: Int
    /// Tokens in the vocabulary, special tokens included.
    public var vocabularySize: Int
    /// Rows in the training and validation portions.
    public var trainingCount: Int
    public var validationCount: Int
    /// The temperature scaling of `best/` and `last/`, fitted on the validation split.
    public var bestCalibration: CalibrationRecord? = nil
    public var lastCalibration: CalibrationRecord? = nil

    /// Training items per second of optimizer-step time.
    public var samplesPerSecond: Double { trainingSeconds > 0 ? Double(samplesTrained) / trainingSeconds : 0 }

    /// The evaluations as a table, then the best and last models' figures.
    public func table(curves: LearningCurves) -> String {
        var lines = [
            "  epoch    step  train loss  train acc  valid loss  valid acc   elapsed",
        ]
        for p in curves.points {
            let mark = p == best ? " *" : ""
            let elapsed = TrainingStatus.duration(p.elapsedSeconds)
            lines.append(String(
                format: "%7.2f %7d %11.4f %10.4f %11.4f %10.4f ", p.epoch, p.step, p.trainLoss, p.trainAccuracy,
                p.validationLoss, p.validationAccuracy)
                + String(repeating: " ", count: max(0, 9 - elapsed.count)) + elapsed + mark)
        }
        func figures(_ name: String, _ point: LearningCurves.Point?, _ test: TestFigures?) -> String {
            var text = "\(name):"
            if let point { text += String(format: " epoch %.2f, validation accuracy %.4f", point.epoch, point.validationAccuracy) }
            if let test {
                text += String(format: ", test accuracy %.4f", test.accuracy)
                if let sample = test.sampleAccuracy { text += String(format: ", sample accuracy %.4f", sample) }
            }
            return text
        }
        lines.append(figures("best (* above)", best, bestTest))
        lines.append(figures("last", last, lastTest))
        lines.append(String(
            format: "vocabulary %d tokens; %d training and %d validation rows; %.0f samples/s; wall time %@",
            vocabularySize, trainingCount, validationCount, samplesPerSecond, TrainingStatus.duration(wallSeconds)))
        return lines.joined(separator: "\n")
    }
}
