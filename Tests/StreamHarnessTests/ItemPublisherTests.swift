import Kafka
import StreamHarness
import TestSupport
import Testing

/// The publisher on librdkafka's mock cluster in this process (what it publishes is read back in
/// LabelCollectorTests).
struct ItemPublisherTests {
    @Test func aPacedStreamTakesAboutItsRate() async throws {
        let broker = try MockBroker(topics: ["in"])
        defer { broker.stop() }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers), logger: MockBroker.logger)
        let stream = StreamRecords.stream(trueLabels: Array(repeating: 0, count: 20), malformed: false)
        let origin = ContinuousClock.now
        let outcome = await ItemPublisher(producer: producer).publish(stream, topic: "in", origin: origin, rate: 100)
        // Message k is due k / 100 s after the start: the last of 20 at 190 ms or later.
        let last = try #require(outcome.sentAt.last ?? nil)
        #expect(last >= .milliseconds(190))
        await producer.close()
    }
}
