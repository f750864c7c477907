import Classification
import Foundation
import Kafka
import StreamHarness
import TextPipeline
import WireFormat

/// Builders for the records a stream run (the demo, the worker benchmark) reads back, in the
/// worker's own formats.
public enum StreamRecords {
    public static let labels = ["World", "Sports", "Business", "Sci/Tech"]
    public static let output = DefaultTopics.output
    public static let deadLetters = DefaultTopics.deadLetter

    /// A stream of `trueLabels.count` items (texts made up) with the malformed catalog mixed in.
    public static func stream(trueLabels: [Int], malformed: Bool = true, runID: String = "run1") -> ItemStream {
        ItemStream(
            runID: runID, items: trueLabels.enumerated().map { NewsItem(text: "headline \($0.offset)", label: $0.element) },
            malformedInputs: malformed ? MalformedInput.catalog(idPrefix: "\(runID)/", oversizeBytes: 2000) : [])
    }

    /// The output-topic record the worker writes for `id` predicted as `labelID`
    /// (``LabelMessage``, the worker's encoder).
    public static func labelRecord(id: String, labelID: Int, offset: Int64 = 0) throws -> KafkaConsumerMessage {
        var probabilities = [Float](repeating: 0.1, count: labels.count)
        probabilities[labelID] = 0.7
        let message = LabelMessage(
            id: .string(id),
            prediction: Prediction(labelID: labelID, label: labels[labelID], probabilities: probabilities, truncated: false),
            labels: labels, model: .init(name: "agnews-gru", digest: "sha256:00"),
            source: .init(topic: DefaultTopics.input, partition: 0, offset: offset))
        return KafkaConsumerMessage(
            topic: output, partition: 0, offset: offset, key: Array(id.utf8), value: try message.jsonBytes())
    }

    /// The dead-letter record the worker writes for a message (original key and bytes, error
    /// headers as DESIGN.md names them).
    public static func deadLetterRecord(key: String, value: [UInt8], kind: String, message: String = "test") -> KafkaConsumerMessage {
        KafkaConsumerMessage(
            topic: deadLetters, partition: 0, offset: 0, key: Array(key.utf8), value: value,
            headers: [
                KafkaHeader(name: MessageHeaders.sourceTopic, string: DefaultTopics.input),
                KafkaHeader(name: MessageHeaders.errorKind, string: kind),
                KafkaHeader(name: MessageHeaders.errorMessage, string: message),
            ])
    }

    /// A tally in which item `row` got `predictions[row]` (nil: no label) at `row + 1` ms, and each
    /// malformed input its expected dead letter.
    public static func tally(stream: ItemStream, predictions: [Int?], answerMalformed: Bool = true) throws -> OutputTally {
        var tally = OutputTally(stream: stream, outputTopic: output, deadLetterTopic: deadLetters)
        for (row, prediction) in predictions.enumerated() {
            guard let prediction else { continue }
            tally.record(
                try labelRecord(id: stream.itemID(row), labelID: prediction), receivedAt: .milliseconds(row + 1),
                classCount: labels.count)
        }
        if answerMalformed {
            for (k, input) in stream.malformedInputs.enumerated() {
                tally.record(
                    deadLetterRecord(key: stream.malformedKey(k), value: input.value, kind: input.expectedKind.rawValue),
                    receivedAt: .milliseconds(1), classCount: labels.count)
            }
        }
        return tally
    }
}
