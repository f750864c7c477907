import Kafka
import StreamHarness
import TestSupport
import Testing

/// The collector (fed by the publisher) on librdkafka's mock cluster in this process (KAFKA-TESTING.md:
/// short session timeouts, a fresh group per test).
@Suite(.serialized) struct LabelCollectorTests {
    static func collector(on broker: MockBroker, topics: [String]) throws -> LabelCollector {
        var configuration = broker.consumerConfiguration(groupID: MockBroker.freshGroupID(prefix: "reader"))
        configuration.properties["fetch.wait.max.ms"] = "10"
        return try LabelCollector(configuration: configuration, topics: topics, logger: MockBroker.logger)
    }

    @Test func thePublishedStreamIsReadBackCompletelyInOrderPerPartition() async throws {
        let broker = try MockBroker(topics: ["in"])
        defer { broker.stop() }
        let collector = try Self.collector(on: broker, topics: ["in"])
        #expect(await collector.waitForAssignment(timeout: .seconds(30)))
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers), logger: MockBroker.logger)
        let stream = StreamRecords.stream(trueLabels: Array(repeating: 2, count: 50))
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
