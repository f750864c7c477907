import Kafka

/// Whether the worker can do work (`/readyz`, systemd's `READY=1`), and if not, why.
///
/// Ready means: the cluster answered a metadata request, the input, output and dead-letter
/// topics exist, and the consumer joined its group (an assignment is not required: a worker
/// beyond the partition count is ready and idle), and the worker is not draining.
public enum Readiness: Sendable, Hashable, CustomStringConvertible {
    /// The worker can do work.
    case ready
    /// The worker cannot do work yet, or no longer.
    case notReady(NotReadyReason)

    /// Whether this is ``ready``.
    public var isReady: Bool { self == .ready }

    /// `ready`, or the reason (e.g. `input topic "no.such.topic" does not exist`).
    public var description: String {
        switch self {
        case .ready: "ready"
        case .notReady(let reason): reason.description
        }
    }
}

/// Why a worker is not ready; its ``description`` is the text `/readyz` answers after
/// `not ready: `.
public enum NotReadyReason: Sendable, Hashable, CustomStringConvertible {
    /// The worker started and has not heard from the cluster yet.
    case starting
    /// No broker answered the metadata request: `brokers unreachable (<servers>): <error>`.
    case brokersUnreachable(bootstrapServers: [String], error: KafkaError)
    /// A topic the worker needs is absent from the cluster's metadata:
    /// `input topic "no.such.topic" does not exist`.
    case topicMissing(WorkerTopicRole, name: String)
    /// The cluster reports an error for a topic the worker needs (e.g.
    /// `TOPIC_AUTHORIZATION_FAILED`): `input topic "x" is unavailable: <error>`.
    case topicUnavailable(WorkerTopicRole, name: String, error: KafkaError)
    /// The consumer has not joined its group yet (or lost its membership):
    /// `joining consumer group "g"`.
    case joiningGroup(String)
    /// The worker is stopping (``ClassificationWorker/requestStop()``): `draining`.
    case draining

    public var description: String {
        switch self {
        case .starting:
            "starting"
        case .brokersUnreachable(let servers, let error):
            "brokers unreachable (\(servers.joined(separator: ","))): \(error.name): \(error.message)"
        case .topicMissing(let role, let name):
            "\(role) topic \"\(name)\" does not exist"
        case .topicUnavailable(let role, let name, let error):
            "\(role) topic \"\(name)\" is unavailable: \(error.name): \(error.message)"
        case .joiningGroup(let group):
            "joining consumer group \"\(group)\""
        case .draining:
            "draining"
        }
    }

    /// The kind of reason without its details (`brokers_unreachable`, `topic_missing:input`,
    /// …): warnings are rate-limited per kind, so that a reason whose error text changes from
    /// one check to the next is still logged at a bounded rate.
    public var kind: String {
        switch self {
        case .starting: "starting"
        case .brokersUnreachable: "brokers_unreachable"
        case .topicMissing(let role, _): "topic_missing:\(role)"
        case .topicUnavailable(let role, _, _): "topic_unavailable:\(role)"
        case .joiningGroup: "joining_group"
        case .draining: "draining"
        }
    }

    /// Whether this reason, lasting past `startup_timeout_ms` at start, is an error: unreachable
    /// brokers and missing or unavailable topics. Joining the group is not (a join waits for
    /// the other members, up to their `max.poll.interval.ms`).
    public var failsStartup: Bool {
        switch self {
        case .brokersUnreachable, .topicMissing, .topicUnavailable: true
        case .starting, .joiningGroup, .draining: false
        }
    }

    /// The reason as a ``KafkaError`` (for ``ClassificationWorker/run()`` when the worker did not
    /// become ready within `startup_timeout_ms`).
    func startupError(timeout: Duration) -> KafkaError {
        let message = "not ready within startup_timeout_ms (\(timeout.wholeMilliseconds) ms): \(self)"
        switch self {
        case .brokersUnreachable(_, let error):
            return KafkaError(code: error.code, message: message, operation: "start", isRetriable: false)
        case .topicMissing(_, let name):
            return KafkaError(
                code: .unknownTopicOrPartition, message: message, operation: "start", topic: name, isRetriable: false)
        case .topicUnavailable(_, let name, let error):
            return KafkaError(code: error.code, message: message, operation: "start", topic: name, isRetriable: false)
        case .starting, .joiningGroup, .draining:
            return KafkaError(code: .timedOut, message: message, operation: "start", isRetriable: false)
        }
    }
}

/// What a topic is for in the worker.
public enum WorkerTopicRole: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `input_topic`: the news items.
    case input
    /// `output_topic`: the labels.
    case output
    /// `dead_letter_topic`: the inputs that cannot be classified.
    case deadLetter = "dead-letter"
    /// `review_topic`: copies of the abstained items, when set.
    case review

    public var description: String { rawValue }
}
