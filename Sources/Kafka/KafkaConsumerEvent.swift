/// Something other than a message that happened while a ``KafkaConsumer`` polled.
public enum KafkaConsumerEvent: Sendable, Hashable {
    /// The group gave these partitions to this consumer; consumption starts at their committed
    /// offsets (or ``KafkaConsumerConfiguration/autoOffsetReset``). Already applied.
    ///
    /// With the eager protocol this is the whole new assignment; with cooperative-sticky it is
    /// the increment added to the existing assignment (possibly empty).
    case partitionsAssigned([KafkaTopicPartition])
    /// The group is taking these partitions away. A revocation always ends its batch, and the
    /// partitions are released when ``KafkaConsumer/poll(maxMessages:timeout:)`` or
    /// ``KafkaConsumer/close()`` is next called: finish (produce, flush, commit) the in-flight
    /// work of these partitions first.
    ///
    /// `lost` is `true` when the partitions were lost rather than handed over (session timeout,
    /// fatal group error): other members may already own them, so commits for them will fail and
    /// in-flight work should be dropped.
    ///
    /// With the eager protocol this is the whole assignment; with cooperative-sticky only the
    /// partitions that move.
    case partitionsRevoked([KafkaTopicPartition], lost: Bool)
    /// The consumer reached the end of a partition (only with
    /// ``KafkaConsumerConfiguration/isPartitionEOFEnabled``); the offset is the next to arrive.
    case partitionEOF(KafkaTopicPartitionOffset)
    /// A commit finished (automatic, ``KafkaConsumer/commitAsync(_:)``, or synchronous);
    /// `error` is `nil` on success, else the request's or the first partition's error. "Nothing
    /// to commit" is not reported.
    case offsetsCommitted([KafkaTopicPartitionOffset], error: KafkaError?)
    /// A non-fatal error (broker connection lost, unknown topic, …). librdkafka keeps trying to
    /// recover; these are informational. Fatal errors are thrown by ``KafkaConsumer/poll(maxMessages:timeout:)``.
    case error(KafkaError)
}
