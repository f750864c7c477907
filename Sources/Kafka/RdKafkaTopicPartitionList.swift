import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` built from or read into Swift values.
final class RdKafkaTopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// A list of partitions without offsets (offset `RD_KAFKA_OFFSET_INVALID`).
    init(_ partitions: [KafkaTopicPartition]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(partitions.count, 1)))
        for item in partitions {
            rd_kafka_topic_partition_list_add(pointer, item.topic, item.partition)
        }
    }

    /// A list of partitions with offsets.
    init(_ offsets: [KafkaTopicPartitionOffset]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(offsets.count, 1)))
        for item in offsets {
            let element = rd_kafka_topic_partition_list_add(pointer, item.topic, item.partition)
            element?.pointee.offset = item.offset
        }
    }

    /// Takes ownership of a list librdkafka allocated for the caller.
    init(owning pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// The elements of a list owned elsewhere (e.g. passed to a callback).
    static func elements(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> UnsafeBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
    }

    static func partitions(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [KafkaTopicPartition] {
        elements(of: list).map {
            KafkaTopicPartition(topic: String(cString: $0.topic), partition: $0.partition)
        }
    }

    static func offsets(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [KafkaTopicPartitionOffset] {
        elements(of: list).map {
            KafkaTopicPartitionOffset(
                topic: String(cString: $0.topic), partition: $0.partition, offset: $0.offset)
        }
    }

    /// The first per-partition error in a list, if any.
    static func firstError(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>, operation: String
    ) -> KafkaError? {
        for element in elements(of: list) where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return KafkaError(
                element.err, operation: operation, topic: String(cString: element.topic),
                partition: element.partition)
        }
        return nil
    }

    var partitions: [KafkaTopicPartition] { Self.partitions(of: pointer) }
    var offsets: [KafkaTopicPartitionOffset] { Self.offsets(of: pointer) }
    func firstError(operation: String) -> KafkaError? {
        Self.firstError(of: pointer, operation: operation)
    }
}
