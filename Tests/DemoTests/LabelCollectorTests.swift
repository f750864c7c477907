import Demo
import Kafka
import Logging
import Testing

/// The collector (fed by the publisher) on librdkafka's mock cluster in this process (KAFKA-TESTING.md:
/// short session timeouts, a fresh group per test).
@Suite(.serialized) struct LabelCollectorTests {
    static let logger: Logger = {
        var logger = Logger(label: "demo-tests")
        logger.logLevel = .critical
        return logger
    }()

    static func collector(on cluster: KafkaMockCluster, topics: [String]) throws -> LabelCollector {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "reader-\(UInt32.random(in: 0...UInt32.max))")
        configuration.sessionTimeout = .milliseconds(3000)
        configuration.heartbeatInterval = .milliseconds(300)
        configuration.properties["fetch.wait.max.ms"] = "10"
        return try LabelCollector(configuration: configuration, topics: topics, logger: logger)
    }

    @Test func thePublishedStreamIsReadBackCompletelyInOrderPerPartition() async throws {
        let cluster = try KafkaMockCluster(brokerCount: 1, logger: Self.logger)
        defer { cluster.stop() }
        try cluster.createTopic("in", partitions: 1)
        let collector = try Self.collector(on: cluster, topics: ["in"])
        #expect(await collector.waitForAssignment(timeout: .seconds(30)))
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: Self.logger)
        let stream = DemoTestSupport.stream(trueLabels: Array(repeating: 2, count: 50))
        let outcome = await ItemPublisher(producer: producer).publish(stream, topic: "in", origin: .now, rate: nil)
        #expect(outcome.failures.isEmpty)
        #expect(outcome.sentAt.allSatisfy { $0 != nil })

        var keys: [String] = []
        let complete = await LabelCollector.wait(for: .seconds(30)) {
            keys += collector.takeArrivals().compactMap { $0.message.key.map { String(decoding: $0, as: UTF8.self) } }
            return keys.count >= stream.order.count
        }
        #expect(complete)
        #expect(try await collector.catchUp(timeout: .seconds(10)))
        #expect(keys == stream.order.map { member in
            switch member {
            case .item(let row): stream.itemID(row)
            case .malformed(let k): stream.malformedKey(k)
            }
        })
        await collector.stop()
        await producer.close()
    }
}
