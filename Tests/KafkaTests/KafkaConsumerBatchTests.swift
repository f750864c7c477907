import Kafka
import Testing

@Suite struct KafkaConsumerBatchTests {
    @Test func revokedPartitionsComeFromTheRevocationEvent() {
        let revoked = [KafkaTopicPartition(topic: "t", partition: 1)]
        let batch = KafkaConsumerBatch(
            messages: [],
            events: [
                .partitionsAssigned([KafkaTopicPartition(topic: "t", partition: 0)]),
                .partitionsRevoked(revoked, lost: false),
            ])
        #expect(batch.revokedPartitions == revoked)
        #expect(batch.changesAssignment)
        #expect(!batch.isEmpty)
    }

    @Test func batchWithoutRevocationRevokesNothing() {
        let batch = KafkaConsumerBatch(
            messages: [],
            events: [.partitionsAssigned([KafkaTopicPartition(topic: "t", partition: 0)])])
        #expect(batch.revokedPartitions.isEmpty)
        #expect(batch.changesAssignment)
        #expect(KafkaConsumerBatch().isEmpty)
        #expect(!KafkaConsumerBatch(events: [.partitionEOF(KafkaTopicPartitionOffset(topic: "t", partition: 0, offset: 5))]).changesAssignment)
    }
}
