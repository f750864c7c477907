import Kafka
import Logging
import Synchronization

/// Reads the output and dead-letter topics in a consumer group of its own, from the earliest
/// offset, and keeps every record with the moment it was read (for produce→label latency).
///
/// Polling runs in a task of its own from ``init(configuration:topics:logger:)`` until
/// ``stop()``. Used by the demo and by WorkerBenchmark.
public final class LabelCollector: Sendable {
    /// A record and when this process read it.
    public typealias Arrival = (message: KafkaConsumerMessage, at: ContinuousClock.Instant)

    private let consumer: KafkaConsumer
    private let topics: [String]
    private let pending = Mutex<[Arrival]>([])
    private let assigned = Mutex<Set<KafkaTopicPartition>>([])
    private let failure = Mutex<KafkaError?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Subscribes and starts polling.
    ///
    /// - Parameters:
    ///   - configuration: connection and group settings; use a group id no one else uses, so
    ///     that the collector reads every record (auto-commit is turned off: it commits nothing).
    ///   - topics: the topics to read (output and dead-letter).
    ///   - logger: receives librdkafka's log lines.
    /// - Throws: ``KafkaError`` when the consumer cannot be created or subscribed.
    public init(configuration: KafkaConsumerConfiguration, topics: [String], logger: Logger) throws(KafkaError) {
        var configuration = configuration
        configuration.isAutoCommitEnabled = false
        configuration.autoOffsetReset = .earliest
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.topics = topics
        try consumer.subscribe(topics: topics)
        let poller = Task { [self] in
            while !Task.isCancelled {
                do throws(KafkaError) {
                    // A poll returns when its timeout runs out (or 1000 records are read), so the
                    // timeout bounds what it adds to a measured latency: keep it short.
                    let batch = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(2))
                    let now = ContinuousClock.now
                    noteAssignment(batch.events)
                    if !batch.messages.isEmpty {
                        pending.withLock { $0 += batch.messages.map { ($0, now) } }
                    }
                } catch {
                    failure.withLock { $0 = error }
                    return
                }
            }
        }
        task.withLock { $0 = poller }
    }

    private func noteAssignment(_ events: [KafkaConsumerEvent]) {
        for event in events {
            switch event {
            case .partitionsAssigned(let partitions):
                assigned.withLock { $0.formUnion(partitions) }
            case .partitionsRevoked(let partitions, _):
                assigned.withLock { $0.subtract(partitions) }
            default:
                continue
            }
        }
    }

    /// The records read since the last call, in the order read (per partition in offset order).
    public func takeArrivals() -> [Arrival] {
        pending.withLock { arrivals in
            defer { arrivals = [] }
            return arrivals
        }
    }

    /// The fatal error that stopped polling, if any.
    public var error: KafkaError? { failure.withLock { $0 } }

    /// The partitions the group has given this collector.
    public var assignment: Set<KafkaTopicPartition> { assigned.withLock { $0 } }

    /// Waits until the group has given this collector a partition of every topic, so that a label
    /// produced from now on is read as soon as it arrives.
    /// - Returns: `false` when `timeout` passed first or polling failed.
    public func waitForAssignment(timeout: Duration) async -> Bool {
        let wanted = Set(topics)
        return await Self.wait(for: timeout) {
            error != nil || Set(assignment.map(\.topic)).isSuperset(of: wanted)
        } && error == nil
    }

    /// Waits until this collector has read every partition of its topics up to the current end
    /// (high watermark), so that nothing written before the call is left unread.
    /// - Returns: `false` when `timeout` passed first.
    /// - Throws: ``KafkaError`` when the positions or watermarks cannot be read, or polling failed.
    public func catchUp(timeout: Duration) async throws(KafkaError) -> Bool {
        let partitions = Array(assignment).sorted()
        var ends: [KafkaTopicPartition: KafkaWatermarks] = [:]
        for partition in partitions {
            ends[partition] = try await consumer.watermarks(
                topic: partition.topic, partition: partition.partition, timeout: .seconds(10))
        }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let error { throw error }
            let positions = try consumer.positions(partitions)
            if partitions.allSatisfy({ (positions[$0] ?? ends[$0]?.low ?? 0) >= (ends[$0]?.high ?? 0) }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Stops polling and leaves the group.
    public func stop() async {
        let poller = task.withLock { $0 }
        poller?.cancel()
        await poller?.value
        try? await consumer.close()
    }

    /// Checks `condition` every 20 ms until it holds or `timeout` passed.
    /// - Returns: whether it held.
    public static func wait(for timeout: Duration, until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
