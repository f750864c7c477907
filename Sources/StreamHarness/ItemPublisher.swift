import Kafka
import Logging
import Synchronization

/// Produces an ``ItemStream`` to the input topic, noting when each message was handed to the
/// producer (the start of its produce→label latency) and collecting the delivery reports.
public struct ItemPublisher: Sendable {
    /// What publishing did.
    public struct Outcome: Sendable {
        /// Per position of ``ItemStream/order``: when it was handed to the producer, since the run's
        /// time origin (`nil` when it could not be enqueued).
        public var sentAt: [Duration?]
        /// Messages the broker did not acknowledge, or that could not be enqueued: position in
        /// ``ItemStream/order`` and the error.
        public var failures: [(position: Int, error: KafkaError)]
    }

    private let producer: KafkaProducer

    /// - Parameter producer: a producer whose ``KafkaProducer/deliveryReports`` nobody else reads.
    public init(producer: KafkaProducer) {
        self.producer = producer
    }

    /// Publishes every member of `stream` in order.
    ///
    /// - Parameters:
    ///   - stream: what to publish.
    ///   - topic: the input topic.
    ///   - origin: the run's time origin.
    ///   - rate: at most this many messages per second; `nil` for as fast as the producer takes them.
    ///   - progress: called with the number of messages handed over so far.
    /// - Returns: the hand-over times and the failures, after every delivery report arrived.
    public func publish(
        _ stream: ItemStream, topic: String, origin: ContinuousClock.Instant, rate: Double?,
        progress: @Sendable (Int) -> Void = { _ in }
    ) async -> Outcome {
        await publish(stream.messages(topic: topic), origin: origin, rate: rate, progress: progress)
    }

    /// Publishes `messages` in order (``ItemStream/messages(topic:)``, built beforehand so that
    /// writing them is not part of a measured run).
    ///
    /// - Parameters:
    ///   - messages: what to publish; a message's position is its delivery-report token.
    ///   - origin: the run's time origin.
    ///   - rate: at most this many messages per second; `nil` for as fast as the producer takes them.
    ///   - progress: called with the number of messages handed over so far.
    /// - Returns: the hand-over times and the failures, after every delivery report arrived.
    public func publish(
        _ messages: [KafkaProducerMessage], origin: ContinuousClock.Instant, rate: Double?,
        progress: @Sendable (Int) -> Void = { _ in }
    ) async -> Outcome {
        let total = messages.count
        guard total > 0 else { return Outcome(sentAt: [], failures: []) }
        let reports = Task { [producer] in
            var failures: [(position: Int, error: KafkaError)] = []
            var seen = 0
            for await report in producer.deliveryReports {
                if let error = report.error { failures.append((Int(report.token), error)) }
                seen += 1
                if seen == total { break }
            }
            return failures
        }
        let start = ContinuousClock.now
        var sentAt = [Duration?](repeating: nil, count: total)
        var failures: [(position: Int, error: KafkaError)] = []
        for (position, message) in messages.enumerated() {
            if let rate, rate > 0 {
                let due = start.advanced(by: .seconds(Double(position) / rate))
                if ContinuousClock.now < due { try? await Task.sleep(until: due, clock: .continuous) }
            }
            while true {
                do throws(KafkaError) {
                    let now = ContinuousClock.now
                    try producer.produce(message, token: UInt64(position))
                    sentAt[position] = now - origin
                    break
                } catch where error.code == .queueFull {
                    try? await Task.sleep(for: .milliseconds(2))
                } catch {
                    failures.append((position, error))
                    break
                }
            }
            if position % 256 == 0 { progress(position + 1) }
        }
        progress(total)
        let enqueued = sentAt.lazy.filter { $0 != nil }.count
        if enqueued < total {
            // Reports come only for enqueued messages: stop waiting for the others.
            try? await producer.flush(timeout: .seconds(30))
            reports.cancel()
        }
        failures += await reports.value
        return Outcome(sentAt: sentAt, failures: failures)
    }
}
