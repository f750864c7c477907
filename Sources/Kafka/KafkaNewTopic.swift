/// A topic to create with ``KafkaAdminClient/createTopics(_:timeout:)``.
public struct KafkaNewTopic: Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// The number of partitions; `-1` for the broker's default (brokers ≥ 2.4).
    public var partitions: Int32
    /// Copies of each partition; `-1` for the broker's default (brokers ≥ 2.4).
    public var replicationFactor: Int32
    /// Topic-level settings (e.g. `retention.ms`, `cleanup.policy`).
    public var configuration: [String: String]

    /// Creates the value from its parts (see the properties).
    public init(
        name: String, partitions: Int32, replicationFactor: Int32,
        configuration: [String: String] = [:]
    ) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configuration = configuration
    }
}
