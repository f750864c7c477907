/// What one ``KafkaConsumer/poll(maxMessages:timeout:)`` returned: messages in the order they
/// were read (per partition in offset order) and the events that happened meanwhile.
public struct KafkaConsumerBatch: Sendable, Hashable {
    /// The messages, at most `maxMessages`.
    public var messages: [KafkaConsumerMessage]
    /// Events in the order they happened. A ``KafkaConsumerEvent/partitionsRevoked(_:lost:)``
    /// is always the last event, and no message of this batch was read after it.
    public var events: [KafkaConsumerEvent]

    /// Creates the value from its parts (see the properties).
    public init(messages: [KafkaConsumerMessage] = [], events: [KafkaConsumerEvent] = []) {
        self.messages = messages
        self.events = events
    }

    /// The partitions revoked at the end of this batch (empty when none), whose in-flight work
    /// must be finished before the next poll.
    public var revokedPartitions: [KafkaTopicPartition] {
        for event in events.reversed() {
            if case .partitionsRevoked(let partitions, _) = event { return partitions }
        }
        return []
    }

    /// Whether partitions were assigned or revoked during this poll (a rebalance), so that work
    /// in flight is to be settled before the next poll.
    public var changesAssignment: Bool {
        events.contains {
            switch $0 {
            case .partitionsAssigned, .partitionsRevoked: true
            default: false
            }
        }
    }

    /// Whether nothing at all happened.
    public var isEmpty: Bool { messages.isEmpty && events.isEmpty }
}
