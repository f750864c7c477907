import Kafka
import TestSupport
import Testing

@Suite struct KafkaProducerTests {
    @Test func rejectsAnUnknownPropertyNamingIt() {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: MockBroker.logger)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("no.such.property") == true)
        #expect(error?.operation == "create producer")
    }

    @Test func rejectsAnInvalidPropertyValue() {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.properties["linger.ms"] = "not a number"
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: MockBroker.logger)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("linger.ms") == true)
    }

    @Test func beginTransactionWithoutTransactionalIDFails() throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"]),
            logger: MockBroker.logger)
        let error = #expect(throws: KafkaError.self) { try producer.beginTransaction() }
        #expect(error?.code == .notConfigured)
        #expect(error?.isFatal == false)
    }

    @Test func produceAfterCloseFailsWithDestroy() async throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"]),
            logger: MockBroker.logger)
        await producer.close(timeout: .zero)
        let error = #expect(throws: KafkaError.self) {
            try producer.produce(KafkaProducerMessage(topic: "t", value: [1]), token: 1)
        }
        #expect(error?.code == .destroy)
        let reports = await producer.send([KafkaProducerMessage(topic: "t", value: [1])])
        #expect(reports.first?.error?.code == .destroy)
    }

    @Test func closeGivesQueuedMessagesAPurgedReport() async throws {
        // Nothing listens on port 1, so the message stays queued until close purges it.
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"]),
            logger: MockBroker.logger)
        try producer.produce(KafkaProducerMessage(topic: "t", value: [1]), token: 42)
        await producer.close(timeout: .milliseconds(100))
        var reports: [KafkaDeliveryReport] = []
        for await report in producer.deliveryReports { reports.append(report) }
        #expect(reports.map(\.token) == [42])
        #expect(reports.first?.error?.code == .purgeQueue)
        #expect(reports.first?.persistence == .notPersisted)
    }
}

extension BrokerTests {
    @Suite struct KafkaProducerBrokerTests {
        @Test func sendReportsEveryMessageInInputOrder() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 4)
            let producer = try fixture.makeProducer()
            let messages = MockBroker.numberedMessages(topic: topic, count: 200)
            let reports = await producer.send(messages)
            await producer.close()

            #expect(reports.map(\.token) == (0..<200).map(UInt64.init))
            #expect(reports.allSatisfy { $0.isDelivered && $0.persistence == .persisted })
            // Per partition, the offsets are exactly 0..<n: nothing lost or written twice.
            let byPartition = Dictionary(grouping: reports, by: \.partition)
            #expect(Set(byPartition.keys).isSubset(of: [0, 1, 2, 3]))
            for (_, partitionReports) in byPartition {
                let offsets = partitionReports.compactMap { try? $0.result.get() }.sorted()
                #expect(offsets == Array(0..<Int64(partitionReports.count)))
            }
        }

        @Test func produceReportsEachTokenOnTheStream() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 2)
            let producer = try fixture.makeProducer()
            let messages = MockBroker.numberedMessages(topic: topic, count: 50)
            for (index, message) in messages.enumerated() {
                try producer.produce(message, token: 1000 + UInt64(index))
            }
            var tokens: Set<UInt64> = []
            for await report in producer.deliveryReports {
                #expect(report.isDelivered)
                #expect(report.topic == topic)
                tokens.insert(report.token)
                if tokens.count == messages.count { break }
            }
            #expect(tokens == Set((0..<50).map { 1000 + UInt64($0) }))
            try await producer.flush(timeout: .seconds(5))
            #expect(producer.outstandingCount == 0)
            await producer.close()
        }

        @Test func explicitPartitionIsHonoured() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 3)
            let reports = try await fixture.sendAll(
                MockBroker.numberedMessages(topic: topic, count: 10, partition: 2))
            #expect(reports.allSatisfy { $0.partition == 2 })
            #expect(reports.compactMap { try? $0.result.get() } == Array(0..<10))
        }

        @Test func missingPartitionIsReportedAsUnknownPartition() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 2)
            let producer = try fixture.makeProducer()
            let reports = await producer.send(
                [KafkaProducerMessage(topic: topic, partition: 7, value: Array("x".utf8))])
            await producer.close()
            #expect(reports.first?.error?.code == .unknownPartition)
            #expect(reports.first?.error?.name == "_UNKNOWN_PARTITION")
        }

        @Test func oversizedMessageIsRejectedAsTooLarge() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic()
            let producer = try fixture.makeProducer { $0.properties["message.max.bytes"] = "1000" }
            let error = #expect(throws: KafkaError.self) {
                try producer.produce(
                    KafkaProducerMessage(topic: topic, value: Array(repeating: 7, count: 5000)),
                    token: 0)
            }
            #expect(error?.code == .messageSizeTooLarge)
            #expect(error?.name == "MSG_SIZE_TOO_LARGE")
            #expect(error?.topic == topic)
            await producer.close()
        }

        @Test func idempotentProducerSurvivesTheBrokerGoingDown() async throws {
            let fixture = try MockBroker(brokers: 1)
            let topic = try fixture.makeTopic(partitions: 1)
            let producer = try fixture.makeProducer()
            // Connect and learn the leader first, so the outage hits an established producer.
            let first = await producer.send(
                MockBroker.numberedMessages(topic: topic, count: 5))
            #expect(first.allSatisfy { $0.isDelivered })

            try fixture.cluster.setBrokerDown(1)
            let sending = Task {
                await producer.send(
                    MockBroker.numberedMessages(topic: topic, count: 45, from: 5))
            }
            try await Task.sleep(for: .seconds(2))
            try fixture.cluster.setBrokerUp(1)
            let reports = await sending.value
            await producer.close()

            #expect(reports.allSatisfy { $0.isDelivered })
            // One partition, idempotent: offsets 5..<50 in order, no gap, no duplicate.
            #expect(reports.compactMap { try? $0.result.get() } == Array(5..<50))
        }

        @Test func injectedProduceErrorsAreRetried() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 1)
            try fixture.cluster.pushRequestErrors(
                [.notEnoughReplicas, .notEnoughReplicas, .leaderNotAvailable, .requestTimedOut],
                for: .produce)
            let reports = try await fixture.sendAll(
                MockBroker.numberedMessages(topic: topic, count: 20))
            #expect(reports.compactMap { try? $0.result.get() } == Array(0..<20))
        }

        @Test func transactionsCommitAndAbortOnTheMock() async throws {
            // The mock accepts the transactional protocol but does not model exactly-once
            // (KAFKA-TESTING.md): this checks that the calls run and map their errors, not EOS.
            let fixture = try MockBroker(brokers: 3)
            let input = try fixture.makeTopic()
            let output = try fixture.makeTopic()
            _ = try await fixture.sendAll(MockBroker.numberedMessages(topic: input, count: 4))
            let consumer = try fixture.makeConsumer { $0.isAutoCommitEnabled = false }
            try consumer.subscribe(topics: [input])
            let (inputs, _) = try await consumer.collect(4)
            #expect(inputs.count == 4)

            let producer = try fixture.makeProducer { $0.transactionalID = "txn-\(input)" }
            try await producer.initTransactions(timeout: .seconds(20))

            try producer.beginTransaction()
            let committed = await producer.send(
                MockBroker.numberedMessages(topic: output, count: 4))
            #expect(committed.allSatisfy { $0.isDelivered })
            try await producer.sendOffsetsToTransaction(
                KafkaTopicPartitionOffset.nextOffsets(after: inputs),
                groupMetadata: try consumer.groupMetadata(), timeout: .seconds(20))
            try await producer.commitTransaction(timeout: .seconds(20))

            try producer.beginTransaction()
            _ = await producer.send(MockBroker.numberedMessages(topic: output, count: 2))
            try await producer.abortTransaction(timeout: .seconds(20))

            // A second begin while one is open is a state error, not fatal.
            try producer.beginTransaction()
            let error = #expect(throws: KafkaError.self) { try producer.beginTransaction() }
            #expect(error?.code == .state)
            #expect(error?.isFatal == false)
            try await producer.abortTransaction(timeout: .seconds(20))

            await producer.close()
            try await consumer.close()
        }

        @Test func failedTransactionalProduceRequiresAbort() async throws {
            let fixture = try MockBroker(brokers: 3)
            let output = try fixture.makeTopic()
            let producer = try fixture.makeProducer { $0.transactionalID = "txn-\(output)" }
            try await producer.initTransactions(timeout: .seconds(20))

            try producer.beginTransaction()
            try fixture.cluster.pushRequestErrors([.topicAuthorizationFailed], for: .produce)
            let reports = await producer.send(
                MockBroker.numberedMessages(topic: output, count: 1))
            #expect(reports.first?.error?.code == .topicAuthorizationFailed)
            let error = await #expect(throws: KafkaError.self) {
                try await producer.commitTransaction(timeout: .seconds(20))
            }
            #expect(error?.transactionRequiresAbort == true)
            #expect(error?.isFatal == false)
            try await producer.abortTransaction(timeout: .seconds(20))

            // After the abort the producer is usable again (on another topic: librdkafka keeps
            // a topic's authorization failure until its next metadata refresh).
            let other = try fixture.makeTopic()
            try producer.beginTransaction()
            let retried = await producer.send(
                MockBroker.numberedMessages(topic: other, count: 1))
            #expect(retried.allSatisfy { $0.isDelivered }, "\(retried)")
            try await producer.commitTransaction(timeout: .seconds(20))
            await producer.close()
        }
    }
}
