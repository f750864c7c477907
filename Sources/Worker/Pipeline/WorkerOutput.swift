import Classification
import JSON
import Kafka
import WireFormat

/// Builds the records the worker publishes for an input record (DESIGN.md "Messages"): a label
/// on the output topic, or the unchanged input on the dead-letter topic.
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

    /// The label record for `input`: `LabelMessage` JSON with its `source`, same key.
    ///
    /// - Parameters:
    ///   - input: the consumed record.
    ///   - id: the item's `id` as decoded.
    ///   - prediction: the classifier's answer.
    ///   - classifier: the model that answered (its labels, name and digest).
    ///   - topic: the output topic.
    /// - Throws: `EncodingError` when a probability is not finite.
    public static func label(
        for input: KafkaConsumerMessage, id: JSONValue?, prediction: Prediction,
        classifier: TextClassifier, topic: String
    ) throws -> KafkaProducerMessage {
        let message = LabelMessage(
            id: id, prediction: prediction, labels: classifier.labels,
            model: .init(name: classifier.name, digest: classifier.digest),
            source: .init(topic: input.topic, partition: input.partition, offset: input.offset))
        return KafkaProducerMessage(
            topic: topic, key: input.key, value: try message.jsonBytes(),
            headers: sourceHeaders(of: input))
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

    /// A dead letter whose value does not fit the producer's or the broker's limit, to be sent
    /// again with a null value and ``valueDroppedHeader``; `nil` for a label (small, never too
    /// large) or for a dead letter already without a value.
    ///
    /// - Parameters:
    ///   - message: the refused record.
    ///   - deadLetterTopic: the dead-letter topic (only its records lose their value).
    ///   - error: the refusal (named in the header).
    public static func withoutValue(
        _ message: KafkaProducerMessage, deadLetterTopic: String, error: KafkaError
    ) -> KafkaProducerMessage? {
        guard message.topic == deadLetterTopic, let value = message.value else { return nil }
        var smaller = message
        smaller.value = nil
        smaller.headers.append(KafkaHeader(name: valueDroppedHeader, string: "\(value.count) bytes: \(error.name)"))
        return smaller
    }
}
