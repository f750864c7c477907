/// Settings of a ``KafkaConsumer``: the common ones as typed properties with documented
/// defaults, anything else as raw librdkafka properties in ``properties``.
///
/// Names follow librdkafka's `CONFIGURATION.md` (given with each property). The defaults are
/// librdkafka's except where marked **differs**: those are chosen for a consumer that commits only
/// what the application has finished (at-least-once) and that starts a new group at the
/// beginning of its topics.
public struct KafkaConsumerConfiguration: Sendable {
    /// `bootstrap.servers`: initial brokers as `host:port`.
    public var bootstrapServers: [String]
    /// `group.id`: the consumer group.
    public var groupID: String
    /// `client.id`: shown in broker logs and metrics. Default: `nil` (librdkafka's `rdkafka`).
    public var clientID: String?
    /// `auto.offset.reset`: where a partition without a committed offset starts.
    /// Default: ``AutoOffsetReset/earliest`` (**differs**: librdkafka's is `latest`).
    public var autoOffsetReset: AutoOffsetReset = .earliest
    /// `enable.auto.commit`: commit stored offsets in the background every
    /// ``autoCommitInterval`` and on ``KafkaConsumer/close()``. Default: `true`.
    ///
    /// Turn it off for exactly-once processing, where offsets are committed inside the
    /// producer's transaction instead.
    public var isAutoCommitEnabled: Bool = true
    /// `auto.commit.interval.ms`. Default: 5 s.
    public var autoCommitInterval: Duration = .seconds(5)
    /// `enable.auto.offset.store`: store each message's offset as soon as it is returned by
    /// ``KafkaConsumer/poll(maxMessages:timeout:)``. Default: `false` (**differs**: librdkafka's is
    /// `true`), so only offsets passed to ``KafkaConsumer/storeOffsets(_:)`` are ever committed.
    public var isAutoOffsetStoreEnabled: Bool = false
    /// `session.timeout.ms`: the group evicts a member that sent no heartbeat for this long.
    /// Default: 45 s.
    public var sessionTimeout: Duration = .seconds(45)
    /// `heartbeat.interval.ms`. Default: 3 s.
    public var heartbeatInterval: Duration = .seconds(3)
    /// `max.poll.interval.ms`: the member leaves the group when the application does not poll
    /// for this long (includes the time spent on a batch). Default: 300 s.
    public var maxPollInterval: Duration = .seconds(300)
    /// `partition.assignment.strategy`, in order of preference.
    /// Default: `[.range, .roundRobin]` (eager). Use `[.cooperativeSticky]` for incremental
    /// rebalancing; all members of a group must agree.
    public var partitionAssignmentStrategy: [PartitionAssignmentStrategy] = [.range, .roundRobin]
    /// `isolation.level`. Default: ``IsolationLevel/readCommitted``.
    public var isolationLevel: IsolationLevel = .readCommitted
    /// `enable.partition.eof`: report ``KafkaConsumerEvent/partitionEOF(_:)`` when a partition's
    /// end is reached. Default: `false`.
    public var isPartitionEOFEnabled: Bool = false
    /// Raw librdkafka properties (`CONFIGURATION.md`), e.g. `security.protocol`,
    /// `sasl.mechanisms`, `ssl.ca.location`. They are applied after the typed properties and win
    /// over them. Print them with ``KafkaRedaction/redacted(_:)``.
    public var properties: [String: String] = [:]

    /// - Parameters:
    ///   - bootstrapServers: initial brokers, `host:port` each.
    ///   - groupID: the consumer group to join.
    public init(bootstrapServers: [String], groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// The complete librdkafka property set this configuration stands for (typed properties
    /// first, then ``properties``). Contains secrets when ``properties`` does: print it only
    /// through ``KafkaRedaction/redacted(_:)``.
    public var librdkafkaProperties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "group.id": groupID,
            "auto.offset.reset": autoOffsetReset.rawValue,
            "enable.auto.commit": String(isAutoCommitEnabled),
            "auto.commit.interval.ms": String(autoCommitInterval.clampedMilliseconds),
            "enable.auto.offset.store": String(isAutoOffsetStoreEnabled),
            "session.timeout.ms": String(sessionTimeout.clampedMilliseconds),
            "heartbeat.interval.ms": String(heartbeatInterval.clampedMilliseconds),
            "max.poll.interval.ms": String(maxPollInterval.clampedMilliseconds),
            "partition.assignment.strategy": partitionAssignmentStrategy.map(\.rawValue)
                .joined(separator: ","),
            "isolation.level": isolationLevel.rawValue,
            "enable.partition.eof": String(isPartitionEOFEnabled),
        ]
        if let clientID { result["client.id"] = clientID }
        result.merge(properties) { _, raw in raw }
        return result
    }

    /// `auto.offset.reset` values.
    public enum AutoOffsetReset: String, Sendable, Hashable, CaseIterable {
        /// Start at the oldest retained message.
        case earliest
        /// Start after the newest message: only messages produced from now on.
        case latest
        /// Fail with an error event instead of choosing.
        case error
    }

    /// `partition.assignment.strategy` values.
    public enum PartitionAssignmentStrategy: String, Sendable, Hashable, CaseIterable {
        /// Eager; contiguous ranges of each topic's partitions per member.
        case range
        /// Eager; partitions dealt out one by one.
        case roundRobin = "roundrobin"
        /// Incremental (KIP-429): only moved partitions are revoked and assigned.
        case cooperativeSticky = "cooperative-sticky"
    }

    /// `isolation.level` values.
    public enum IsolationLevel: String, Sendable, Hashable, CaseIterable {
        /// Only messages of committed transactions (and non-transactional ones).
        case readCommitted = "read_committed"
        /// Every message, including those of open and aborted transactions.
        case readUncommitted = "read_uncommitted"
    }
}
