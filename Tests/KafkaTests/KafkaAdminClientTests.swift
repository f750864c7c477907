import Foundation
import Kafka
import TestSupport
import Testing

@Suite struct KafkaAdminClientTests {
    @Test func rejectsANegativePartitionCountBeforeSending() async throws {
        let admin = try KafkaAdminClient(
            configuration: KafkaAdminConfiguration(bootstrapServers: ["127.0.0.1:1"]),
            logger: MockBroker.logger)
        let error = await #expect(throws: KafkaError.self) {
            _ = try await admin.createTopics(
                [KafkaNewTopic(name: "t", partitions: -2, replicationFactor: 1)], timeout: .seconds(1))
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.topic == "t")
    }
}

extension BrokerTests {
    @Suite struct KafkaAdminClientMockTests {
        static func admin(of fixture: MockBroker) throws -> KafkaAdminClient {
            try KafkaAdminClient(
                configuration: KafkaAdminConfiguration(bootstrapServers: fixture.bootstrapServers),
                logger: MockBroker.logger)
        }

        @Test func metadataOmitsATopicThatDoesNotExist() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 2)
            let admin = try Self.admin(of: fixture)
            let metadata = try await admin.metadata(topics: [topic, "absent"], timeout: .seconds(5))
            #expect(metadata.map(\.name) == [topic])
            #expect(metadata.first?.partitions.count == 2)
        }

        /// The mock cannot create topics, but naming ones it has works: they are found in the
        /// metadata and no CreateTopics request is sent (`newsclf-demo --bootstrap-servers` and
        /// `newsclf-worker --create-topics` against `newsclf dev-broker`).
        @Test func createTopicsFindsExistingTopicsWithoutARequest() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 2)
            let admin = try Self.admin(of: fixture)
            let outcomes = try await admin.createTopics(
                [KafkaNewTopic(name: topic, partitions: 2, replicationFactor: 1)], timeout: .milliseconds(500))
            #expect(outcomes == [.alreadyExists(topic)])
        }

        @Test func createTopicsWithoutAControllerTimesOutRetriably() async throws {
            // The mock has no controller, so CreateTopics cannot succeed there (KAFKA-TESTING.md);
            // this checks how a request-level failure surfaces.
            let fixture = try MockBroker()
            let admin = try Self.admin(of: fixture)
            let error = await #expect(throws: KafkaError.self) {
                _ = try await admin.createTopics(
                    [KafkaNewTopic(name: "t", partitions: 1, replicationFactor: 1)],
                    timeout: .milliseconds(500))
            }
            #expect(error?.code == .timedOut)
            #expect(error?.isRetriable == true)
            #expect(error?.operation == "create topics")
        }
    }

    /// Runs only when `NEWSCLF_TEST_KAFKA_BOOTSTRAP` names a real Kafka-protocol broker (e.g.
    /// noida-db, KAFKA-TESTING.md §2), because the mock cluster has no CreateTopics API.
    @Suite(.enabled(if: RealBroker.bootstrapServers != nil, "needs NEWSCLF_TEST_KAFKA_BOOTSTRAP"))
    struct KafkaAdminClientRealBrokerTests {
        let admin: KafkaAdminClient

        init() throws {
            admin = try KafkaAdminClient(
                configuration: KafkaAdminConfiguration(
                    bootstrapServers: RealBroker.bootstrapServers ?? []),
                logger: MockBroker.logger)
        }

        @Test func createsTopicsAndToleratesExistingOnes() async throws {
            let first = "admin-\(UUID().uuidString.prefix(8))"
            let second = "admin-\(UUID().uuidString.prefix(8))"
            let created = try await admin.createTopics(
                [KafkaNewTopic(name: first, partitions: 3, replicationFactor: 1)],
                timeout: .seconds(10))
            #expect(created == [.created(first)])
            let again = try await admin.createTopics(
                [
                    KafkaNewTopic(name: first, partitions: 3, replicationFactor: 1),
                    KafkaNewTopic(name: second, partitions: 1, replicationFactor: 1),
                ], timeout: .seconds(10))
            #expect(again == [.alreadyExists(first), .created(second)])
            let metadata = try await admin.metadata(topics: [first], timeout: .seconds(10))
            #expect(metadata.first?.partitions.count == 3)
        }

        @Test func transactionalOffsetsAreCommittedWithTheTransaction() async throws {
            // The mock drops transactional offsets; a real broker stores them.
            guard let servers = RealBroker.bootstrapServers else { return }
            let topic = "txn-\(UUID().uuidString.prefix(8))"
            _ = try await admin.createTopics(
                [KafkaNewTopic(name: topic, partitions: 1, replicationFactor: 1)],
                timeout: .seconds(10))
            var consumerConfiguration = KafkaConsumerConfiguration(
                bootstrapServers: servers, groupID: MockBroker.freshGroupID())
            consumerConfiguration.isAutoCommitEnabled = false
            let consumer = try KafkaConsumer(
                configuration: consumerConfiguration, logger: MockBroker.logger)
            var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: servers)
            producerConfiguration.transactionalID = "txn-\(topic)"
            let producer = try KafkaProducer(
                configuration: producerConfiguration, logger: MockBroker.logger)
            try await producer.initTransactions(timeout: .seconds(20))
            try producer.beginTransaction()
            let reports = await producer.send(
                MockBroker.numberedMessages(topic: topic, count: 3))
            #expect(reports.allSatisfy { $0.isDelivered })
            let offset = KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 3)
            try await producer.sendOffsetsToTransaction(
                [offset], groupMetadata: try consumer.groupMetadata(), timeout: .seconds(20))
            try await producer.commitTransaction(timeout: .seconds(20))
            await producer.close()
            let committed = try await consumer.committedOffsets(
                for: [offset.topicPartition], timeout: .seconds(10))
            try await consumer.close()
            #expect(committed == [offset.topicPartition: 3])
        }
    }
}

/// The real broker named by `NEWSCLF_TEST_KAFKA_BOOTSTRAP` (`host:port[,host:port…]`), if any.
enum RealBroker {
    static let bootstrapServers: [String]? = ProcessInfo.processInfo
        .environment["NEWSCLF_TEST_KAFKA_BOOTSTRAP"]
        .map { $0.split(separator: ",").map(String.init) }
        .flatMap { $0.isEmpty ? nil : $0 }
}
