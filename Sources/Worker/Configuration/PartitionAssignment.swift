import Kafka

/// How the consumer group hands out the input partitions (`partition_assignment`): librdkafka's
/// `partition.assignment.strategy`, as one of the two protocols (librdkafka refuses a list that
/// mixes them).
public enum PartitionAssignment: String, Sendable, Hashable, CaseIterable {
    /// The eager protocol (`range,roundrobin`, librdkafka's default): every rebalance revokes
    /// every partition of every member, then assigns them all again. Each member stops, commits
    /// and re-fetches all its partitions, even those it keeps.
    case eager
    /// The incremental protocol (`cooperative-sticky`, KIP-429): only the partitions that move
    /// are revoked (and committed, drained, forgotten) by their old owner; the others keep
    /// flowing. All members of a group must use it; noida-db 0.2.3 hangs on it.
    case cooperativeSticky = "cooperative_sticky"

    /// The `partition.assignment.strategy` list this stands for.
    public var strategies: [KafkaConsumerConfiguration.PartitionAssignmentStrategy] {
        switch self {
        case .eager: [.range, .roundRobin]
        case .cooperativeSticky: [.cooperativeSticky]
        }
    }
}
