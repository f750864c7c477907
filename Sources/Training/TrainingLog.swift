import Foundation

/// Where a run reports: evaluation lines, a progress status after each step, the summary.
public protocol TrainingLog {
    /// A line for the reader (an evaluation, the configuration, the summary).
    func message(_ line: String)
    /// The status after an optimizer step; a log may show it or not.
    func progress(_ status: TrainingStatus)
}

/// What a progress display shows after a step.
public struct TrainingStatus: Sendable, Equatable {
    /// The current epoch, 1-based, and the number of epochs.
    public var epoch: Int
    public var epochs: Int
    /// Batches done in this epoch and batches per epoch.
    public var batch: Int
    public var batchesPerEpoch: Int
    /// Training items per second in this session's optimizer steps.
    public var itemsPerSecond: Double
    /// Mean training loss since the last evaluation (nats).
    public var loss: Double
    /// Estimated seconds to the end of training (evaluations included), from this session's pace.
    public var etaSeconds: Double

    public init(
        epoch: Int, epochs: Int, batch: Int, batchesPerEpoch: Int, itemsPerSecond: Double, loss: Double,
        etaSeconds: Double
    ) {
        self.epoch = epoch
        self.epochs = epochs
        self.batch = batch
        self.batchesPerEpoch = batchesPerEpoch
        self.itemsPerSecond = itemsPerSecond
        self.loss = loss
        self.etaSeconds = etaSeconds
    }

    /// `1h02m`, `3m05s`, `42s`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}

/// Reports on standard error: on a terminal a one-line progress bar redrawn in place (items/s,
/// loss, ETA); otherwise a plain line every tenth of an epoch. Messages go on their own lines.
public final class ConsoleTrainingLog: TrainingLog {
    private let isTerminal: Bool
    private var barShown = false
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var lastPlainTenth = -1

    /// - Parameter isTerminal: whether standard error is a terminal (default: asks `isatty`).
    public init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    public func message(_ line: String) {
        write((barShown ? "\r\u{1B}[K" : "") + line + "\n")
        barShown = false
    }

    public func progress(_ status: TrainingStatus) {
        let fraction = Double(status.batch) / Double(max(1, status.batchesPerEpoch))
        let figures = String(
            format: "%.0f items/s · loss %.4f · ETA %@", status.itemsPerSecond, status.loss,
            TrainingStatus.duration(status.etaSeconds))
        if isTerminal {
            let now = ContinuousClock.now
            guard now - lastDraw >= .milliseconds(200) || status.batch == status.batchesPerEpoch else { return }
            lastDraw = now
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write(String(format: "\r\u{1B}[Kepoch %d/%d %@ %3.0f%% %d/%d · ", status.epoch, status.epochs, bar, fraction * 100,
                         status.batch, status.batchesPerEpoch) + figures)
            barShown = true
        } else {
            let tenth = Int(fraction * 10)
            let key = status.epoch * 100 + tenth
            guard key != lastPlainTenth, tenth > 0 else { return }
            lastPlainTenth = key
            write(String(format: "epoch %d/%d %3.0f%% (%d/%d batches) · ", status.epoch, status.epochs, fraction * 100,
                         status.batch, status.batchesPerEpoch) + figures + "\n")
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Discards everything (tests, library callers that report themselves).
public struct SilentTrainingLog: TrainingLog {
    public init() {}
    public func message(_ line: String) {}
    public func progress(_ status: TrainingStatus) {}
}
