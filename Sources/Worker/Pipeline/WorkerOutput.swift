import Classification
import JSON
import Kafka
import WireFormat

/// Builds the records the worker publishes for an input record (DESIGN.md "Messages"): a label
/// on the output topic, or the unchanged input on the dead-letter topic; for an abstained item,
/// also a copy on the review topic.
///
/// Both carry the input's key and the headers `newsclf.source.topic`,
/// `newsclf.source.partition`, `newsclf.source.offset`; a dead letter adds
/// `newsclf.error.kind` and `newsclf.error.message`.
public enum WorkerOutput {
    /// Header naming the input's topic.
    public static let sourceTopicHeader = MessageHeaders.sourceTopic
    /// Header naming the input's partition (decimal).
    public static let sourcePartitionHeader = MessageHeaders.sourcePartition
    /// Header naming the input's offset (decimal).
    public static let sourceOffsetHeader = MessageHeaders.sourceOffset
    /// Dead-letter header: the error kind (a ``DeadLetterReason/Kind`` raw value or
    /// ``classificationFailedKind``).
    public static let errorKindHeader = MessageHeaders.errorKind
    /// Dead-letter header: a human-readable explanation (never the payload).
    public static let errorMessageHeader = MessageHeaders.errorMessage
    /// The dead-letter kind of a valid item that the model could not classify (the engine
    /// refused it even when classified alone, or produced non-finite probabilities). Sending it
    /// to the dead-letter topic keeps its partition moving without losing it.
    public static let classificationFailedKind = "classification_failed"

    /// The source headers of `input`.
    public static func sourceHeaders(of input: KafkaConsumerMessage) -> [KafkaHeader] {
        [
            KafkaHeader(name: sourceTopicHeader, string: input.topic),
            KafkaHeader(name: sourcePartitionHeader, string: String(input.partition)),
            KafkaHeader(name: sourceOffsetHeader, string: String(input.offset)),
        ]
    }

    /// Label header of an abstained item (value `true`), also on its review copy.
    public static let abstainedHeader = MessageHeaders.abstained

    /// The label record for `input`: `LabelMessage` JSON with its `source`, same key; an
    /// abstained item adds `"abstained": true` to the JSON and the header `newsclf.abstained:
    /// true` (neither is there otherwise).
    ///
    /// - Parameters:
    ///   - input: the consumed record.
    ///   - id: the item's `id` as decoded.
    ///   - prediction: the classifier's answer.
    ///   - classifier: the model that answered (its labels, name and digest).
    ///   - topic: the output topic.
    ///   - abstained: whether the prediction abstains (``AbstainPolicy/abstains(_:)``).
    /// - Throws: `EncodingError` when a probability is not finite.
    public static func label(
        for input: KafkaConsumerMessage, id: JSONValue?, prediction: Prediction,
        classifier: TextClassifier, topic: String, abstained: Bool = false
    ) throws -> KafkaProducerMessage {
        let message = LabelMessage(
            id: id, prediction: prediction, labels: classifier.labels,
            model: .init(name: classifier.name, digest: classifier.digest),
            source: .init(topic: input.topic, partition: input.partition, offset: input.offset),
            abstained: abstained)
        var headers = sourceHeaders(of: input)
        if abstained { headers.append(KafkaHeader(name: abstainedHeader, string: "true")) }
        return KafkaProducerMessage(topic: topic, key: input.key, value: try message.jsonBytes(), headers: headers)
    }

    /// The review-topic copy of an abstained item, for a person to label: the input's key, the
    /// value `{"input": <the input message>, "output": <its label message>}` (the input's JSON as
    /// it came, without a byte-order mark; keys sorted), the source headers and
    /// `newsclf.abstained: true`.
    ///
    /// - Parameters:
    ///   - input: the consumed record (its value is valid JSON: it decoded).
    ///   - label: the label record ``label(for:id:prediction:classifier:topic:abstained:)`` wrote.
    ///   - topic: the review topic.
    public static func reviewCopy(
        of input: KafkaConsumerMessage, label: KafkaProducerMessage, topic: String
    ) -> KafkaProducerMessage {
        var original = input.value ?? []
        if original.starts(with: [0xEF, 0xBB, 0xBF]) { original.removeFirst(3) }
        let labelBytes = label.value ?? []
        var value: [UInt8] = []
        value.reserveCapacity(original.count + labelBytes.count + 24)
        value += Array(#"{"input":"#.utf8)
        value += original
        value += Array(#","output":"#.utf8)
        value += labelBytes
        value.append(UInt8(ascii: "}"))
        return KafkaProducerMessage(
            topic: topic, key: input.key, value: value,
            headers: sourceHeaders(of: input) + [KafkaHeader(name: abstainedHeader, string: "true")])
    }

    /// The dead-letter record for `input`: its key and value unchanged, the source headers and
    /// the error headers.
    ///
    /// - Parameters:
    ///   - input: the consumed record.
    ///   - kind: the `newsclf.error.kind` value.
    ///   - message: the `newsclf.error.message` value.
    ///   - topic: the dead-letter topic.
    public static func deadLetter(
        for input: KafkaConsumerMessage, kind: String, message: String, topic: String
    ) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic, key: input.key, value: input.value,
            headers: sourceHeaders(of: input) + [
                KafkaHeader(name: errorKindHeader, string: kind),
                KafkaHeader(name: errorMessageHeader, string: message),
            ])
    }

    /// Dead-letter header on a dead letter re-sent without its value: the original size and why
    /// (`"2000000 bytes: MSG_SIZE_TOO_LARGE"`).
    public static let valueDroppedHeader = "newsclf.error.value_dropped"

    /// A dead letter or review copy whose value does not fit the producer's or the broker's limit,
    /// to be sent again with a null value and ``valueDroppedHeader``; `nil` for a label (small,
    /// never too large) or for a record already without a value.
    ///
    /// - Parameters:
    ///   - message: the refused record.
    ///   - deadLetterTopic: the dead-letter topic (its records lose their value).
    ///   - reviewTopic: the review topic, if any (its copies lose their value too: the source
    ///     headers still say where the input is).
    ///   - error: the refusal (named in the header).
    public static func withoutValue(
        _ message: KafkaProducerMessage, deadLetterTopic: String, reviewTopic: String? = nil, error: KafkaError
    ) -> KafkaProducerMessage? {
        guard message.topic == deadLetterTopic || message.topic == reviewTopic, let value = message.value else {
            return nil
        }
        var smaller = message
        smaller.value = nil
        smaller.headers.append(KafkaHeader(name: valueDroppedHeader, string: "\(value.count) bytes: \(error.name)"))
        return smaller
    }
}
