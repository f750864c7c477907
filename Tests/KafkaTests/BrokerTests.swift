import Foundation
import Kafka
import Logging
import TestSupport
import Testing

/// Every test that talks to a broker is nested in this suite, so that they run one at a time:
/// they use librdkafka's in-process mock cluster (`KafkaMockCluster`, see
/// `../shared/KAFKA-TESTING.md`), whose group joins wait on timers (~3 s) that parallel runs on
/// two cores would only stretch. Each test starts its own cluster and uses a fresh group id.
@Suite(.serialized) enum BrokerTests {}

/// What the Kafka tests add to the shared ``MockBroker``.
extension MockBroker {
    /// Messages `0..<count` for `topic`: key `key-i`, value `value-i`, headers `index=i` and a
    /// null-valued `empty`.
    static func numberedMessages(
        topic: String, count: Int, partition: Int32? = nil, from start: Int = 0
    ) -> [KafkaProducerMessage] {
        (start..<(start + count)).map { index in
            KafkaProducerMessage(
                topic: topic, partition: partition, key: Array("key-\(index)".utf8),
                value: Array("value-\(index)".utf8),
                headers: [
                    KafkaHeader(name: "index", string: String(index)),
                    KafkaHeader(name: "empty", value: nil),
                ])
        }
    }

    /// Sends `messages` and requires every report to be a success.
    func sendAll(_ messages: [KafkaProducerMessage]) async throws -> [KafkaDeliveryReport] {
        let producer = try makeProducer()
        let reports = await producer.send(messages)
        await producer.close()
        for report in reports { _ = try report.result.get() }
        return reports
    }
}

extension KafkaConsumer {
    /// Polls until `count` messages arrived or `deadline` passed; returns the messages and all
    /// events seen.
    func collect(
        _ count: Int, within deadline: Duration = .seconds(20)
    ) async throws -> (messages: [KafkaConsumerMessage], events: [KafkaConsumerEvent]) {
        var messages: [KafkaConsumerMessage] = []
        var events: [KafkaConsumerEvent] = []
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while messages.count < count, clock.now < end {
            let batch = try await poll(maxMessages: count - messages.count, timeout: .milliseconds(200))
            messages += batch.messages
            events += batch.events
        }
        return (messages, events)
    }

    /// Polls until an event matching `predicate` arrives or `deadline` passed; returns the
    /// messages and events seen up to and including it.
    func pollUntil(
        within deadline: Duration = .seconds(20), _ predicate: (KafkaConsumerEvent) -> Bool
    ) async throws -> (messages: [KafkaConsumerMessage], events: [KafkaConsumerEvent], found: Bool) {
        var messages: [KafkaConsumerMessage] = []
        var events: [KafkaConsumerEvent] = []
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while clock.now < end {
            let batch = try await poll(maxMessages: 100, timeout: .milliseconds(200))
            messages += batch.messages
            events += batch.events
            if batch.events.contains(where: predicate) { return (messages, events, true) }
        }
        return (messages, events, false)
    }
}

extension KafkaConsumerEvent {
    var assignedPartitions: [KafkaTopicPartition]? {
        if case .partitionsAssigned(let partitions) = self { return partitions }
        return nil
    }

    var revokedPartitions: [KafkaTopicPartition]? {
        if case .partitionsRevoked(let partitions, _) = self { return partitions }
        return nil
    }
}

extension KafkaConsumerMessage {
    var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}
