import Classification
import Foundation

/// What one stream run's outputs show: whether every item got exactly one label and every
/// malformed input exactly one dead letter, the accuracy and confusion matrix of the labels, the
/// produce→label latencies and the end-to-end throughput.
public struct StreamReport: Sendable {
    /// One malformed input and what came back for it.
    public struct MalformedOutcome: Sendable, Equatable {
        public var input: MalformedInput
        /// The dead letters read for it.
        public var arrivals: [OutputTally.DeadLetterArrival]

        /// Exactly one dead letter, with the expected kind and the original bytes.
        public var isAsExpected: Bool {
            arrivals.count == 1 && arrivals[0].kind == input.expectedKind.rawValue && arrivals[0].valueUnchanged
        }
    }

    /// The number of news items published.
    public let itemCount: Int
    /// Rows without a label.
    public let missingRows: [Int]
    /// Rows with more than one label.
    public let duplicatedRows: [Int]
    /// Rows that came back as dead letters (a well-formed item never should).
    public let deadLetteredRows: [Int]
    /// Per malformed input, what came back.
    public let malformed: [MalformedOutcome]
    /// Per row, the first label's class id (`nil` without a label).
    public let predictions: [Int?]
    /// Per row, the first label's probability for its class (0 without a label).
    public let confidences: [Double]
    /// Accuracy and confusion matrix over the rows that have a label (all rows when complete).
    public let evaluation: Evaluation
    /// produce→label latency of each labelled row (the demo's own clock: handed to the producer →
    /// its label read back).
    public let latency: LatencySummary
    /// The first item handed to the producer → the last first label read, in seconds.
    public let streamSeconds: Double?
    /// Records of other runs on the same topics, and undecodable label records.
    public let foreignCount: Int, undecodableCount: Int

    /// - Parameters:
    ///   - tally: what was read back.
    ///   - trueLabels: per row, the true class id.
    ///   - sentAt: per row, when it was handed to the producer (since the run's time origin;
    ///     `nil` when it was not sent).
    ///   - classCount: the model's number of classes.
    public init(tally: OutputTally, trueLabels: [Int], sentAt: [Duration?], classCount: Int) {
        itemCount = trueLabels.count
        missingRows = tally.labels.indices.filter { tally.labels[$0].isEmpty }
        duplicatedRows = tally.labels.indices.filter { tally.labels[$0].count > 1 }
        deadLetteredRows = tally.itemDeadLetters.indices.filter { tally.itemDeadLetters[$0] > 0 }
        malformed = zip(tally.stream.malformedInputs, tally.deadLetters).map { MalformedOutcome(input: $0, arrivals: $1) }
        let firstLabels = tally.labels.map { $0.first?.labelID }
        predictions = firstLabels
        confidences = tally.labels.map { $0.first?.probability ?? 0 }
        let labelled = trueLabels.indices.filter { firstLabels[$0] != nil }
        evaluation = Evaluation(
            labels: labelled.map { trueLabels[$0] }, predictions: labelled.compactMap { firstLabels[$0] },
            classCount: classCount)
        var latencies: [Double] = []
        var firstSent: Duration?
        var lastLabel: Duration?
        for row in trueLabels.indices {
            if let sent = sentAt[row] { firstSent = min(firstSent ?? sent, sent) }
            guard let arrival = tally.labels[row].first else { continue }
            lastLabel = max(lastLabel ?? arrival.receivedAt, arrival.receivedAt)
            if let sent = sentAt[row] { latencies.append((arrival.receivedAt - sent) / .seconds(1)) }
        }
        latency = LatencySummary(seconds: latencies)
        if let firstSent, let lastLabel, lastLabel > firstSent {
            streamSeconds = (lastLabel - firstSent) / .seconds(1)
        } else {
            streamSeconds = nil
        }
        foreignCount = tally.foreignCount
        undecodableCount = tally.undecodableCount
    }

    /// Items per second, end to end (first item produced → last label read); `nil` without labels.
    public var itemsPerSecond: Double? {
        streamSeconds.map { Double(itemCount - missingRows.count) / $0 }
    }

    /// Every item got exactly one label, no item became a dead letter, and every malformed input
    /// came back exactly once as a dead letter of the expected kind with its bytes unchanged.
    public var isExactlyOnce: Bool { failures.isEmpty }

    /// Why the run is not exactly-once, one line per problem (empty when it is).
    public var failures: [String] {
        func rows(_ rows: [Int]) -> String {
            rows.prefix(5).map(String.init).joined(separator: ", ") + (rows.count > 5 ? ", …" : "")
        }
        var result: [String] = []
        if !missingRows.isEmpty { result.append("\(missingRows.count) items without a label (rows \(rows(missingRows)))") }
        if !duplicatedRows.isEmpty {
            result.append("\(duplicatedRows.count) items with more than one label (rows \(rows(duplicatedRows)))")
        }
        if !deadLetteredRows.isEmpty {
            result.append("\(deadLetteredRows.count) well-formed items became dead letters (rows \(rows(deadLetteredRows)))")
        }
        for outcome in malformed where !outcome.isAsExpected {
            let kinds = outcome.arrivals.map { $0.kind ?? "no kind header" }
            result.append(
                "malformed input (\(outcome.input.summary)): \(outcome.arrivals.count) dead letters, kinds \(kinds), "
                    + "expected one \(outcome.input.expectedKind.rawValue)"
                    + (outcome.arrivals.contains { !$0.valueUnchanged } ? ", bytes changed" : ""))
        }
        if undecodableCount > 0 { result.append("\(undecodableCount) output records are not label messages") }
        return result
    }

    /// Example rows to show: `count` rows spread evenly over the file.
    public func exampleRows(count: Int) -> [Int] {
        guard itemCount > 0, count > 0 else { return [] }
        let n = min(count, itemCount)
        return (0..<n).map { $0 * itemCount / n }
    }
}
