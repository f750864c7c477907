import Kafka
import Testing

@Suite struct KafkaTopicPartitionOffsetTests {
    static func message(_ topic: String, _ partition: Int32, _ offset: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: topic, partition: partition, offset: offset, key: nil, value: [])
    }

    @Test func nextOffsetsAreTheHighestOffsetPlusOnePerPartition() {
        let messages = [
            Self.message("b", 0, 7), Self.message("a", 1, 3), Self.message("a", 1, 9),
            Self.message("a", 0, 0), Self.message("a", 1, 5),
        ]
        #expect(
            KafkaTopicPartitionOffset.nextOffsets(after: messages) == [
                KafkaTopicPartitionOffset(topic: "a", partition: 0, offset: 1),
                KafkaTopicPartitionOffset(topic: "a", partition: 1, offset: 10),
                KafkaTopicPartitionOffset(topic: "b", partition: 0, offset: 8),
            ])
    }

    @Test func noMessagesGiveNoOffsets() {
        #expect(KafkaTopicPartitionOffset.nextOffsets(after: [KafkaConsumerMessage]()).isEmpty)
    }

    @Test func aMessagesNextOffsetFollowsIt() {
        #expect(
            Self.message("a", 2, 41).nextOffset
                == KafkaTopicPartitionOffset(topic: "a", partition: 2, offset: 42))
    }
}
