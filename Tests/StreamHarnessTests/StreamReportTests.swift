import Classification
import StreamHarness
import TestSupport
import Testing

struct StreamReportTests {
    static let trueLabels = [0, 1, 2, 3, 0, 1, 2, 3, 1, 1]
    static let predictions = [0, 1, 2, 2, 0, 1, 3, 3, 0, 1]

    static func report(tally: OutputTally, sentAt: [Duration?]? = nil) -> StreamReport {
        StreamReport(
            tally: tally, trueLabels: trueLabels, sentAt: sentAt ?? Array(repeating: .zero, count: trueLabels.count),
            classCount: 4)
    }

    @Test func aCompleteRunIsExactlyOnceWithEvaluationsAccuracyAndConfusion() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        let report = Self.report(tally: try StreamRecords.tally(stream: stream, predictions: Self.predictions))
        let reference = Evaluation(labels: Self.trueLabels, predictions: Self.predictions, classCount: 4)
        #expect(report.isExactlyOnce, "\(report.failures)")
        #expect(report.evaluation == reference)
        #expect(report.evaluation.accuracy == reference.accuracy)
        #expect(report.predictions == Self.predictions)
        #expect(report.malformed.allSatisfy { $0.isAsExpected })
    }

    @Test func aMissingLabelFailsTheRun() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        var predictions: [Int?] = Self.predictions
        predictions[4] = nil
        let report = Self.report(tally: try StreamRecords.tally(stream: stream, predictions: predictions))
        #expect(report.missingRows == [4])
        #expect(!report.isExactlyOnce)
        #expect(report.failures.contains { $0.contains("1 items without a label (rows 4)") })
        // Accuracy over the labelled rows only.
        #expect(report.evaluation.count == 9)
    }

    @Test func aDuplicateLabelFailsTheRun() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        var tally = try StreamRecords.tally(stream: stream, predictions: Self.predictions)
        tally.record(try StreamRecords.labelRecord(id: stream.itemID(7), labelID: 3, offset: 99), receivedAt: .seconds(1), classCount: 4)
        let report = Self.report(tally: tally)
        #expect(report.duplicatedRows == [7])
        #expect(!report.isExactlyOnce)
        #expect(report.failures.contains { $0.contains("more than one label") })
        #expect(report.evaluation.count == Self.trueLabels.count, "the first label counts once")
    }

    @Test func aMalformedMessageWithoutADeadLetterFailsTheRun() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        let report = Self.report(
            tally: try StreamRecords.tally(stream: stream, predictions: Self.predictions, answerMalformed: false))
        #expect(!report.isExactlyOnce)
        #expect(report.malformed.allSatisfy { $0.arrivals.isEmpty && !$0.isAsExpected })
        #expect(report.failures.count == 7)
    }

    @Test func aDeadLetterOfTheWrongKindFailsTheRun() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        var tally = try StreamRecords.tally(stream: stream, predictions: Self.predictions, answerMalformed: false)
        for (k, input) in stream.malformedInputs.enumerated() {
            tally.record(
                StreamRecords.deadLetterRecord(key: stream.malformedKey(k), value: input.value, kind: k == 2 ? "invalid_json" : input.expectedKind.rawValue),
                receivedAt: .zero, classCount: 4)
        }
        let report = Self.report(tally: tally)
        #expect(report.failures.count == 1)
        #expect(report.failures.first?.contains("expected one not_an_object") == true)
    }

    @Test func aDeadLetterWithChangedBytesFailsTheRun() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        var tally = try StreamRecords.tally(stream: stream, predictions: Self.predictions, answerMalformed: false)
        for (k, input) in stream.malformedInputs.enumerated() {
            tally.record(
                StreamRecords.deadLetterRecord(key: stream.malformedKey(k), value: k == 0 ? [] : input.value, kind: input.expectedKind.rawValue),
                receivedAt: .zero, classCount: 4)
        }
        let report = Self.report(tally: tally)
        #expect(report.failures == [report.failures[0]])
        #expect(report.failures[0].contains("bytes changed"))
    }

    @Test func aWellFormedItemAsADeadLetterFailsTheRun() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        var tally = try StreamRecords.tally(stream: stream, predictions: Self.predictions)
        tally.record(
            StreamRecords.deadLetterRecord(key: stream.itemID(3), value: [], kind: "empty_text"), receivedAt: .zero, classCount: 4)
        let report = Self.report(tally: tally)
        #expect(report.deadLetteredRows == [3])
        #expect(!report.isExactlyOnce)
    }

    /// Latency = label read − handed to the producer; items/s = items / (first send → last label).
    @Test func latencyAndThroughputComeFromSendAndReceiveTimes() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels, malformed: false)
        // Row r is read at r + 1 ms (StreamRecords.tally); sent at r/2 ms, the first at 0.
        let sentAt: [Duration?] = Self.trueLabels.indices.map { .microseconds($0 * 500) }
        let report = Self.report(tally: try StreamRecords.tally(stream: stream, predictions: Self.predictions), sentAt: sentAt)
        let expected = Self.trueLabels.indices.map { (Duration.milliseconds($0 + 1) - .microseconds($0 * 500)) / .seconds(1) }
        #expect(report.latency == LatencySummary(seconds: expected))
        #expect(report.latency.p50 == LatencySummary(seconds: expected).percentile(0.5))
        #expect(report.streamSeconds == 0.010)
        #expect(report.itemsPerSecond == 1000)
    }

    @Test func exampleRowsAreSpreadOverTheFile() throws {
        let stream = StreamRecords.stream(trueLabels: Self.trueLabels)
        let report = Self.report(tally: try StreamRecords.tally(stream: stream, predictions: Self.predictions))
        #expect(report.exampleRows(count: 5) == [0, 2, 4, 6, 8])
        #expect(report.exampleRows(count: 20) == Array(0..<10))
    }
}
