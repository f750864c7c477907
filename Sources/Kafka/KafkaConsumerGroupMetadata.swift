import CRdKafka

/// A consumer's group identity (group id, generation, member id) as librdkafka captures it, for
/// committing input offsets inside a producer's transaction
/// (``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)``).
///
/// Take it from ``KafkaConsumer/groupMetadata()`` right before sending offsets: after a
/// rebalance the old value is stale and the broker refuses it.
///
/// `@unchecked Sendable`: the wrapped `rd_kafka_consumer_group_metadata_t` is never modified
/// after creation and is only read by librdkafka; it is destroyed in `deinit`.
public final class KafkaConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}
