/// The Kafka header names of the message flow (DESIGN.md "Messages").
///
/// Labels and dead letters carry the input's ``sourceTopic``, ``sourcePartition`` and
/// ``sourceOffset``; a dead letter adds ``errorKind`` and ``errorMessage``.
public enum MessageHeaders {
    /// The input's topic.
    public static let sourceTopic = "newsclf.source.topic"
    /// The input's partition (decimal).
    public static let sourcePartition = "newsclf.source.partition"
    /// The input's offset (decimal).
    public static let sourceOffset = "newsclf.source.offset"
    /// Dead-letter header: the error kind (a ``DeadLetterReason/Kind`` raw value, or the worker's
    /// `classification_failed`).
    public static let errorKind = "newsclf.error.kind"
    /// Dead-letter header: a human-readable explanation (never the payload).
    public static let errorMessage = "newsclf.error.message"
    /// Label header of an item that abstained (value `true`; absent otherwise), and on its copy
    /// on the review topic.
    public static let abstained = "newsclf.abstained"
    /// Dead-letter header of an input whose value could not be kept (its size and why).
    public static let valueDropped = "newsclf.error.value_dropped"
    /// Header of a shadow model's label on the shadow topic (value `true`): not served, for
    /// comparison only (worker setting `shadow_topic`).
    public static let shadow = "newsclf.shadow"
}
