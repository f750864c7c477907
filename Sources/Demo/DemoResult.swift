import Foundation
import StreamHarness

/// Everything a finished demo run found, and its text for the terminal.
public struct DemoResult: Sendable {
    public var configuration: DemoConfiguration
    /// The broker address used.
    public var bootstrapServers: String
    /// What was published.
    public var stream: ItemStream
    /// The model the worker served: directory name and `sha256:` digest.
    public var modelName: String, modelDigest: String
    /// Class names by id.
    public var labels: [String]
    /// The labels and dead letters read back.
    public var report: StreamReport
    /// Messages the broker did not take.
    public var publishFailures: [String]
    /// Whether every answer arrived within ``DemoConfiguration/answerTimeout``.
    public var answeredInTime: Bool
    /// Whether the output topics were read to their end after the worker stopped (so a duplicate
    /// written during the drain would have been seen).
    public var readAllOutputs: Bool
    /// How the worker shut down.
    public var shutdown: ShutdownReport
    /// Why the committed offsets could not be read, if so.
    public var offsetsError: String?
    /// The in-process check (what `newsclf eval` computes), when it ran.
    public var agreement: ModelAgreement?

    /// Creates the value from its parts (see the properties).
    public init(
        configuration: DemoConfiguration, bootstrapServers: String, stream: ItemStream, modelName: String,
        modelDigest: String, labels: [String], report: StreamReport, publishFailures: [String], answeredInTime: Bool,
        readAllOutputs: Bool, shutdown: ShutdownReport, offsetsError: String?, agreement: ModelAgreement?
    ) {
        self.configuration = configuration
        self.bootstrapServers = bootstrapServers
        self.stream = stream
        self.modelName = modelName
        self.modelDigest = modelDigest
        self.labels = labels
        self.report = report
        self.publishFailures = publishFailures
        self.answeredInTime = answeredInTime
        self.readAllOutputs = readAllOutputs
        self.shutdown = shutdown
        self.offsetsError = offsetsError
        self.agreement = agreement
    }

    /// Exit status 0: every item got exactly one label, every malformed message exactly one dead
    /// letter, nothing failed to publish, and the worker drained cleanly with its offsets committed.
    public var isSuccess: Bool { failures.isEmpty }

    /// Everything that makes the run fail, one line each.
    public var failures: [String] {
        var result = report.failures
        if !answeredInTime { result.append("not every message was answered within \(configuration.answerTimeout)") }
        if !publishFailures.isEmpty {
            result.append("\(publishFailures.count) messages were not published (first: \(publishFailures[0]))")
        }
        if !readAllOutputs { result.append("the output topics could not be read to their end after the worker stopped") }
        if !shutdown.exit.isClean { result.append("the worker did not drain cleanly (\(describe(shutdown.exit)))") }
        if let offsetsError {
            result.append("the worker group's committed offsets could not be read: \(offsetsError)")
        } else if !shutdown.offsetsCommitted {
            result.append("committed offsets differ from the end offsets: \(shutdown.offsets.map(describe).joined(separator: ", "))")
        }
        return result
    }

    private func describe(_ exit: WorkerProcess.Exit) -> String {
        let after = String(format: "%.2f s after SIGTERM", exit.stopDuration / .seconds(1))
        if exit.wasKilled { return "still running \(after), killed" }
        if exit.wasSignalled { return "ended by signal \(exit.status) \(after)" }
        return "exited \(exit.status) \(after)"
    }

    private func describe(_ offsets: ShutdownReport.PartitionOffsets) -> String {
        "partition \(offsets.partition): committed \(offsets.committed.map(String.init) ?? "none"), end \(offsets.end)"
    }

    /// The report as printed after the progress display: examples, accuracy, confusion matrix,
    /// speed, dead letters, shutdown, verdict.
    public func render() -> String {
        var lines: [String] = []
        let itemCount = report.itemCount
        let rows = report.exampleRows(count: configuration.exampleCount)
        if !rows.isEmpty {
            lines.append("")
            lines.append("examples (true topic → the worker's label, probability):")
            for row in rows {
                let truth = labels[stream.items[row].label]
                let text = Self.shortened(stream.items[row].text, to: 72)
                if let predicted = report.predictions[row] {
                    let mark = predicted == stream.items[row].label ? "✓" : "✗"
                    lines.append(
                        "  \(mark) #\(String(row + 1).padding(toLength: 5, withPad: " ", startingAt: 0)) "
                            + "\(truth.padding(toLength: 9, withPad: " ", startingAt: 0)) → "
                            + "\(labels[predicted].padding(toLength: 9, withPad: " ", startingAt: 0))"
                            + String(format: "%.2f  ", report.confidences[row]) + text)
                } else {
                    lines.append("  ? #\(row + 1) \(truth) → no label  \(text)")
                }
            }
        }
        lines.append("")
        let correct = report.evaluation.correct.lazy.filter { $0 }.count
        lines.append(String(format: "accuracy: %.4f", report.evaluation.accuracy) + " (\(correct) of \(report.evaluation.count) items labelled by the worker)")
        if let agreement {
            lines.append(
                String(format: "the model in process on the same items (as `newsclf eval`): accuracy %.4f", agreement.evaluation.accuracy)
                    + "; the worker's label equals its prediction for \(agreement.agreeing) of \(agreement.compared) items")
        }
        lines.append("model: \(modelName) \(modelDigest)")
        lines.append("confusion matrix (rows: true class, columns: the worker's label):")
        lines.append(report.evaluation.confusionTable(labels: labels))
        lines.append("")
        if let perSecond = report.itemsPerSecond, let seconds = report.streamSeconds {
            lines.append(String(format: "end to end: %.0f items/s (%d items, first produce → last label %.2f s)", perSecond, itemCount - report.missingRows.count, seconds))
        }
        if let p50 = report.latency.p50, let p99 = report.latency.p99 {
            let pacing = configuration.rate == nil
                ? "all items were handed to the producer at once, so this includes queueing behind earlier items"
                : String(format: "published at most %.0f messages/s", configuration.rate ?? 0)
            lines.append(
                String(format: "produce → label latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms", p50 * 1000, p99 * 1000, (report.latency.maximum ?? 0) * 1000)
                    + " (\(report.latency.count) items; \(pacing))")
        }
        if !report.malformed.isEmpty {
            lines.append("")
            lines.append("dead letters (\(report.malformed.count) malformed messages mixed into the stream; topic \(configuration.deadLetterTopic)):")
            for outcome in report.malformed {
                let mark = outcome.isAsExpected ? "✓" : "✗"
                if let arrival = outcome.arrivals.first {
                    lines.append(
                        "  \(mark) \(outcome.input.summary): newsclf.error.kind=\(arrival.kind ?? "(none)")"
                            + (outcome.arrivals.count > 1 ? " (×\(outcome.arrivals.count))" : ""))
                    lines.append("      newsclf.error.message=\(Self.shortened(arrival.message ?? "(none)", to: 100))")
                } else {
                    lines.append("  \(mark) \(outcome.input.summary): no dead letter (expected \(outcome.input.expectedKind.rawValue))")
                }
            }
        }
        lines.append("")
        let exit = shutdown.exit
        var shutdownLine = "shutdown: SIGTERM → "
        shutdownLine += exit.isClean
            ? String(format: "the worker drained and exited 0 in %.2f s", exit.stopDuration / .seconds(1))
            : "the worker \(describe(exit))"
        if offsetsError != nil {
            shutdownLine += "; committed offsets unknown"
        } else if shutdown.offsetsCommitted {
            let total = shutdown.offsets.reduce(Int64(0)) { $0 + $1.end }
            shutdownLine += "; offsets committed: group \(configuration.workerGroupID) at the end of all \(shutdown.offsets.count) partitions of \(shutdown.inputTopic) (\(total) messages, warm-up included)"
        } else {
            shutdownLine += "; offsets NOT committed to the end"
        }
        lines.append(shutdownLine)
        if report.foreignCount > 0 {
            lines.append("(\(report.foreignCount) records of the warm-up or of other runs on these topics were ignored)")
        }
        let failures = self.failures
        if failures.isEmpty {
            lines.append(
                "result: every item got exactly one label (\(itemCount)/\(itemCount))"
                    + (report.malformed.isEmpty ? "" : ", every malformed message exactly one dead letter (\(report.malformed.count)/\(report.malformed.count))"))
        } else {
            lines.append("result: FAILED")
            lines += failures.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// `text` cut to `width` characters with an ellipsis, line ends as spaces.
    static func shortened(_ text: String, to width: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= width ? flat : String(flat.prefix(width - 1)) + "…"
    }
}
