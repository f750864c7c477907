import Kafka
import TestSupport
import Testing

extension BrokerTests {
    @Suite struct KafkaMockClusterTests {
        @Test func startsTheRequestedBrokersWithABootstrapAddress() async throws {
            let fixture = try MockBroker(brokers: 3)
            let addresses = fixture.cluster.bootstrapServers.split(separator: ",")
            #expect(addresses.count == 3)
            for address in addresses {
                #expect(address.hasPrefix("127.0.0.1:"))
                #expect(Int(address.split(separator: ":").last ?? "") != nil)
            }
        }

        @Test func createdTopicAppearsInMetadataWithItsPartitions() async throws {
            let fixture = try MockBroker(brokers: 3)
            let topic = try fixture.makeTopic(partitions: 5)
            let admin = try KafkaAdminClient(
                configuration: KafkaAdminConfiguration(bootstrapServers: fixture.bootstrapServers),
                logger: MockBroker.logger)
            let metadata = try await admin.metadata(topics: [topic], timeout: .seconds(10))
            #expect(metadata.map(\.name) == [topic])
            #expect(metadata.first?.partitions.map(\.id) == [0, 1, 2, 3, 4])
            #expect(metadata.first?.partitions.allSatisfy { (1...3).contains($0.leader) } == true)
            #expect(metadata.first?.error == nil)
        }

        @Test func partitionLeaderMovesToTheChosenBroker() async throws {
            let fixture = try MockBroker(brokers: 3)
            let topic = try fixture.makeTopic(partitions: 2)
            try fixture.cluster.setPartitionLeader(topic: topic, partition: 0, broker: 2)
            try fixture.cluster.setPartitionLeader(topic: topic, partition: 1, broker: 3)
            let admin = try KafkaAdminClient(
                configuration: KafkaAdminConfiguration(bootstrapServers: fixture.bootstrapServers),
                logger: MockBroker.logger)
            let metadata = try await admin.metadata(topics: [topic], timeout: .seconds(10))
            #expect(metadata.first?.partitions.map(\.leader) == [2, 3])
        }

        @Test func roundTripTimeDelaysAcknowledgements() async throws {
            let fixture = try MockBroker(brokers: 1)
            let topic = try fixture.makeTopic()
            let producer = try fixture.makeProducer()
            // Connect first, so that only the produce request pays the delay.
            _ = await producer.send(MockBroker.numberedMessages(topic: topic, count: 1))
            try fixture.cluster.setRoundTripTime(.milliseconds(400), broker: 1)
            let clock = ContinuousClock()
            let start = clock.now
            let reports = await producer.send(
                MockBroker.numberedMessages(topic: topic, count: 1, from: 1))
            let elapsed = clock.now - start
            await producer.close()
            #expect(reports.first?.isDelivered == true)
            #expect(elapsed >= .milliseconds(400))
        }

        @Test func creatingAnExistingTopicFailsWithItsName() throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic()
            let error = #expect(throws: KafkaError.self) {
                try fixture.cluster.createTopic(topic, partitions: 1)
            }
            #expect(error?.code == .topicAlreadyExists)
            #expect(error?.topic == topic)
        }

        @Test func callsAfterStopFailWithDestroy() throws {
            let fixture = try MockBroker()
            fixture.cluster.stop()
            fixture.cluster.stop()
            let error = #expect(throws: KafkaError.self) {
                try fixture.cluster.setBrokerDown(1)
            }
            #expect(error?.code == .destroy)
        }

        @Test func rejectsZeroBrokers() {
            let error = #expect(throws: KafkaError.self) {
                _ = try KafkaMockCluster(brokerCount: 0, logger: MockBroker.logger)
            }
            #expect(error?.code == .invalidArgument)
        }
    }
}
