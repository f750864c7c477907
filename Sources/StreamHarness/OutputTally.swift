import Classification
import Kafka
import WireFormat

/// Everything read back from the output and dead-letter topics during one stream run, sorted to the
/// stream members it answers.
///
/// A label is matched to its item by the `id` the worker echoed, a dead letter by its key (which
/// the worker keeps unchanged). Records of other runs on the same topics are only counted.
public struct OutputTally: Sendable {
    /// A label read back for an item.
    public struct LabelArrival: Sendable, Equatable {
        /// The predicted class id.
        public var labelID: Int
        /// The predicted class's probability.
        public var probability: Double
        /// When the demo read it, since the run's time origin.
        public var receivedAt: Duration
    }

    /// A dead letter read back.
    public struct DeadLetterArrival: Sendable, Equatable {
        /// The `newsclf.error.kind` header (nil when absent).
        public var kind: String?
        /// The `newsclf.error.message` header (nil when absent).
        public var message: String?
        /// Whether the value came back byte for byte as produced.
        public var valueUnchanged: Bool
        /// When the demo read it, since the run's time origin.
        public var receivedAt: Duration
    }

    /// The stream the outputs answer.
    public let stream: ItemStream
    /// The output topic (labels).
    public let outputTopic: String
    /// The dead-letter topic.
    public let deadLetterTopic: String

    /// Per item row, every label read for it (exactly one when all is well).
    public private(set) var labels: [[LabelArrival]]
    /// Per malformed input, every dead letter read for it (exactly one when all is well).
    public private(set) var deadLetters: [[DeadLetterArrival]]
    /// Per item row, how many times it came back as a dead letter (zero when all is well).
    public private(set) var itemDeadLetters: [Int]
    /// Records that belong to no member of this run (other runs on the same topics).
    public private(set) var foreignCount = 0
    /// Records on the output topic whose value is not a label message, or whose `label_id` is
    /// outside the model's classes.
    public private(set) var undecodableCount = 0
    /// Records counted so far, of this run or not.
    public private(set) var recordCount = 0

    /// - Parameters:
    ///   - stream: the run's stream.
    ///   - outputTopic: where labels arrive.
    ///   - deadLetterTopic: where dead letters arrive.
    public init(stream: ItemStream, outputTopic: String, deadLetterTopic: String) {
        self.stream = stream
        self.outputTopic = outputTopic
        self.deadLetterTopic = deadLetterTopic
        self.labels = Array(repeating: [], count: stream.items.count)
        self.deadLetters = Array(repeating: [], count: stream.malformedInputs.count)
        self.itemDeadLetters = Array(repeating: 0, count: stream.items.count)
    }

    /// Items with at least one label so far.
    public private(set) var labelledCount = 0
    /// Items with at least one output so far: a label or, for an item the worker refused, a dead
    /// letter (a failure the report names, but an answer: nothing more will come for it).
    public private(set) var answeredItemCount = 0
    /// Malformed inputs with at least one dead letter so far.
    public private(set) var deadLetteredCount = 0

    /// Whether every item and every malformed input has an output (duplicates aside).
    public var isAnswered: Bool {
        answeredItemCount == stream.items.count && deadLetteredCount == stream.malformedInputs.count
    }

    /// Sorts one record to its stream member.
    /// - Parameters:
    ///   - message: a record of the output or the dead-letter topic.
    ///   - receivedAt: when it was read, since the run's time origin.
    ///   - classCount: the model's number of classes (a `label_id` outside is undecodable).
    public mutating func record(_ message: KafkaConsumerMessage, receivedAt: Duration, classCount: Int) {
        recordCount += 1
        if message.topic == deadLetterTopic {
            let key = message.key.flatMap { String(validating: $0, as: UTF8.self) } ?? ""
            switch stream.member(forKey: key) {
            case .malformed(let k)?:
                func header(_ name: String) -> String? {
                    message.headers.last { $0.name == name }?.stringValue
                }
                if deadLetters[k].isEmpty { deadLetteredCount += 1 }
                deadLetters[k].append(
                    DeadLetterArrival(
                        kind: header(MessageHeaders.errorKind), message: header(MessageHeaders.errorMessage),
                        valueUnchanged: message.value == stream.malformedInputs[k].value, receivedAt: receivedAt))
            case .item(let row)?:
                if itemDeadLetters[row] == 0 && labels[row].isEmpty { answeredItemCount += 1 }
                itemDeadLetters[row] += 1
            case nil:
                foreignCount += 1
            }
            return
        }
        guard let label = ReceivedLabel.decode(message.value), (0..<classCount).contains(label.labelID) else {
            undecodableCount += 1
            return
        }
        guard case .string(let id)? = label.id, case .item(let row)? = stream.member(forKey: id) else {
            foreignCount += 1
            return
        }
        if labels[row].isEmpty {
            labelledCount += 1
            if itemDeadLetters[row] == 0 { answeredItemCount += 1 }
        }
        labels[row].append(
            LabelArrival(labelID: label.labelID, probability: label.probabilities[label.label] ?? 0, receivedAt: receivedAt))
    }
}
