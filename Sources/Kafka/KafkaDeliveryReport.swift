/// The outcome of one produced message, reported once the broker acknowledged it or it failed.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The caller's token given to ``KafkaProducer/produce(_:token:)``, or the message's index in
    /// the array given to ``KafkaProducer/send(_:)``.
    public var token: UInt64
    /// The destination topic.
    public var topic: String
    /// The partition the message went to (or was meant for; `-1` when none was chosen yet).
    public var partition: Int32
    /// The offset the broker assigned, or why delivery failed.
    public var result: Result<Int64, KafkaError>
    /// Whether the message may have been written despite a failure (`rd_kafka_message_status`).
    public var persistence: Persistence

    /// Creates the value from its parts (see the properties).
    public init(
        token: UInt64, topic: String, partition: Int32, result: Result<Int64, KafkaError>,
        persistence: Persistence
    ) {
        self.token = token
        self.topic = topic
        self.partition = partition
        self.result = result
        self.persistence = persistence
    }

    /// Whether the broker acknowledged the message.
    public var isDelivered: Bool {
        if case .success = result { return true }
        return false
    }

    /// The failure, when delivery failed.
    public var error: KafkaError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    /// Where the message is, as far as librdkafka knows (`rd_kafka_msg_status_t`).
    public enum Persistence: Sendable, Hashable {
        /// Never sent to, or certainly not written by, the broker.
        case notPersisted
        /// Sent, but no acknowledgement was received: it may or may not have been written.
        case possiblyPersisted
        /// Acknowledged by the broker.
        case persisted
    }
}
