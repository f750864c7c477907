import CRdKafka

/// An error reported by librdkafka or by this module, with the context it happened in.
///
/// librdkafka reports failures as `rd_kafka_resp_err_t` codes (Kafka protocol error codes ≥ 0,
/// librdkafka-local codes < 0 whose names start with `_`) or as `rd_kafka_error_t` objects that
/// additionally say whether the failed call may be retried, whether the client is in a fatal
/// state, and whether an open transaction must be aborted. This type carries all of that, so the
/// caller never handles raw librdkafka codes.
///
/// How to react (librdkafka's error classes, see `rdkafka.h` and its `INTRODUCTION.md`):
/// - ``isFatal``: the client instance is unusable (e.g. a fenced transactional producer, an
///   idempotence guarantee that can no longer be kept); close it and create a new one.
/// - ``transactionRequiresAbort``: abort the current transaction (``KafkaProducer/abortTransaction(timeout:)``),
///   rewind the consumer to the last committed offsets, and start a new transaction.
/// - ``isRetriable``: the same call may succeed if repeated (e.g. a timeout).
/// - otherwise: a permanent error for this operation (bad argument, unknown topic, …).
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error code: a Kafka protocol error code (≥ 0) or a librdkafka-local code (< 0).
    public var code: Code
    /// librdkafka's human-readable description of this occurrence (`rd_kafka_err2str` or the
    /// message of the `rd_kafka_error_t`, which is usually more specific).
    public var message: String
    /// Whether repeating the failed operation may succeed.
    public var isRetriable: Bool
    /// Whether the client instance is in an unrecoverable state and must be recreated.
    public var isFatal: Bool
    /// Whether the current transaction must be aborted before the producer can go on.
    public var transactionRequiresAbort: Bool
    /// What this module was doing, e.g. `"commit"`, `"produce"`, `"create consumer"`.
    public var operation: String
    /// The topic involved, when there is one.
    public var topic: String?
    /// The partition involved, when there is one.
    public var partition: Int32?

    /// The code's symbolic name, e.g. `UNKNOWN_TOPIC_OR_PART` or `_TIMED_OUT` (`rd_kafka_err2name`).
    public var name: String { code.name }

    /// Creates an error from its parts. Prefer the classification of librdkafka: when
    /// `isRetriable` is `nil` it is taken from ``Code/isRetriable``.
    public init(
        code: Code, message: String? = nil, operation: String, topic: String? = nil,
        partition: Int32? = nil, isRetriable: Bool? = nil, isFatal: Bool = false,
        transactionRequiresAbort: Bool = false
    ) {
        self.code = code
        self.message = message ?? code.defaultMessage
        self.operation = operation
        self.topic = topic
        self.partition = partition
        self.isRetriable = isRetriable ?? code.isRetriable
        self.isFatal = isFatal || code == .fatal
        self.transactionRequiresAbort = transactionRequiresAbort
    }

    public var description: String {
        var text = "Kafka \(operation) failed: \(name): \(message)"
        if let topic {
            text += " (topic \(topic)"
            if let partition { text += ", partition \(partition)" }
            text += ")"
        } else if let partition {
            text += " (partition \(partition))"
        }
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        if transactionRequiresAbort { flags.append("transaction requires abort") }
        if !flags.isEmpty { text += " [\(flags.joined(separator: ", "))]" }
        return text
    }
}

extension KafkaError {
    /// A librdkafka error code (`rd_kafka_resp_err_t`), as a Swift value.
    ///
    /// The named constants cover the codes this module and its callers test for; any other code
    /// is still representable through ``init(rawValue:)`` and has a ``name``.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The numeric code as librdkafka defines it.
        public var rawValue: Int32

        public init(rawValue: Int32) { self.rawValue = rawValue }

        init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }

        var rdKafkaValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

        /// librdkafka's symbolic name (`rd_kafka_err2name`), e.g. `UNKNOWN_TOPIC_OR_PART`;
        /// librdkafka-local codes start with `_`.
        public var name: String { String(cString: rd_kafka_err2name(rdKafkaValue)) }

        /// librdkafka's generic description of the code (`rd_kafka_err2str`).
        public var defaultMessage: String { String(cString: rd_kafka_err2str(rdKafkaValue)) }

        public var description: String { name }

        /// Whether an operation that failed with this code may succeed when repeated.
        ///
        /// Kafka protocol codes follow the "Retriable" column of the Kafka protocol guide
        /// (<https://kafka.apache.org/protocol#protocol_error_codes>); local codes are the
        /// librdkafka conditions that are transient by nature (timeouts, transport failures,
        /// a full local queue, no coordinator yet). Errors that librdkafka returns as
        /// `rd_kafka_error_t` (transactions) carry librdkafka's own flag instead.
        public var isRetriable: Bool { Self.retriableCodes.contains(self) }

        private static let retriableCodes: Set<Code> = [
            // Kafka protocol, "Retriable: True".
            .corruptMessage, .unknownTopicOrPartition, .leaderNotAvailable,
            .notLeaderForPartition, .requestTimedOut, .replicaNotAvailable, .networkException,
            .coordinatorLoadInProgress, .coordinatorNotAvailable, .notCoordinator,
            .notEnoughReplicas, .notEnoughReplicasAfterAppend, .concurrentTransactions,
            .kafkaStorageError, Code(rawValue: 70), Code(rawValue: 71), Code(rawValue: 72),
            Code(rawValue: 74), Code(rawValue: 75), Code(rawValue: 78), Code(rawValue: 80),
            Code(rawValue: 83), Code(rawValue: 88), Code(rawValue: 89),
            // librdkafka-local transient conditions.
            .transport, .timedOut, .timedOutQueue, .queueFull, .messageTimedOut,
            .allBrokersDown, .waitingForCoordinator, .resolve, .retry,
        ]

        // librdkafka-local codes (negative).
        /// `_BAD_MSG`: a received message was malformed.
        public static let badMessage = Code(RD_KAFKA_RESP_ERR__BAD_MSG)
        /// `_DESTROY`: the client is being destroyed or was closed.
        public static let destroy = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// `_FAIL`: a generic local failure.
        public static let fail = Code(RD_KAFKA_RESP_ERR__FAIL)
        /// `_TRANSPORT`: a broker connection failed.
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        /// `_RESOLVE`: a broker host name could not be resolved.
        public static let resolve = Code(RD_KAFKA_RESP_ERR__RESOLVE)
        /// `_MSG_TIMED_OUT`: a produced message was not acknowledged within `message.timeout.ms`.
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        /// `_PARTITION_EOF`: the consumer reached the end of a partition.
        public static let partitionEOF = Code(RD_KAFKA_RESP_ERR__PARTITION_EOF)
        /// `_UNKNOWN_PARTITION`: the partition does not exist (locally known).
        public static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        /// `_UNKNOWN_TOPIC`: the topic does not exist (locally known).
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        /// `_ALL_BROKERS_DOWN`: no broker connection is up.
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        /// `_INVALID_ARG`: an argument or configuration value was rejected.
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        /// `_TIMED_OUT`: the operation did not finish within its timeout.
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// `_QUEUE_FULL`: the producer's local queue is full (`queue.buffering.max.messages`).
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        /// `_WAIT_COORD`: waiting for the group or transaction coordinator.
        public static let waitingForCoordinator = Code(RD_KAFKA_RESP_ERR__WAIT_COORD)
        /// `_STATE`: the call is not valid in the client's current state.
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        /// `_NOT_IMPLEMENTED`: the feature is not available in this build or configuration.
        public static let notImplemented = Code(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED)
        /// `_NO_OFFSET`: there was no offset to commit.
        public static let noOffset = Code(RD_KAFKA_RESP_ERR__NO_OFFSET)
        /// `_TIMED_OUT_QUEUE`: the request timed out while waiting in a local queue.
        public static let timedOutQueue = Code(RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE)
        /// `_UNSUPPORTED_FEATURE`: the broker does not support the request.
        public static let unsupportedFeature = Code(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE)
        /// `_RETRY`: the request should be retried.
        public static let retry = Code(RD_KAFKA_RESP_ERR__RETRY)
        /// `_PURGE_QUEUE`: the message was purged from the local queue (e.g. on close).
        public static let purgeQueue = Code(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        /// `_PURGE_INFLIGHT`: the message was purged while in flight; it may have been written.
        public static let purgeInflight = Code(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        /// `_FATAL`: the client raised a fatal error (see ``KafkaError/isFatal``).
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// `_NOT_CONFIGURED`: the feature needs a setting that is absent (e.g. transactions
        /// without `transactional.id`).
        public static let notConfigured = Code(RD_KAFKA_RESP_ERR__NOT_CONFIGURED)
        /// `_FENCED`: this producer was fenced by a newer instance.
        public static let fenced = Code(RD_KAFKA_RESP_ERR__FENCED)
        /// `_ASSIGNMENT_LOST`: the consumer lost its partitions (e.g. session timed out).
        public static let assignmentLost = Code(RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST)
        /// `_MAX_POLL_EXCEEDED`: the application did not poll within `max.poll.interval.ms`.
        public static let maxPollExceeded = Code(RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED)

        // Kafka protocol codes.
        /// `NO_ERROR` (0).
        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        /// `OFFSET_OUT_OF_RANGE` (1).
        public static let offsetOutOfRange = Code(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
        /// `INVALID_MSG` (2, the protocol's `CORRUPT_MESSAGE`).
        public static let corruptMessage = Code(RD_KAFKA_RESP_ERR_INVALID_MSG)
        /// `UNKNOWN_TOPIC_OR_PART` (3).
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// `LEADER_NOT_AVAILABLE` (5).
        public static let leaderNotAvailable = Code(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
        /// `NOT_LEADER_FOR_PARTITION` (6, the protocol's `NOT_LEADER_OR_FOLLOWER`).
        public static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        /// `REQUEST_TIMED_OUT` (7).
        public static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        /// `REPLICA_NOT_AVAILABLE` (9).
        public static let replicaNotAvailable = Code(RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE)
        /// `MSG_SIZE_TOO_LARGE` (10).
        public static let messageSizeTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        /// `NETWORK_EXCEPTION` (13).
        public static let networkException = Code(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION)
        /// `COORDINATOR_LOAD_IN_PROGRESS` (14).
        public static let coordinatorLoadInProgress = Code(
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        /// `COORDINATOR_NOT_AVAILABLE` (15).
        public static let coordinatorNotAvailable = Code(
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        /// `NOT_COORDINATOR` (16).
        public static let notCoordinator = Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        /// `NOT_ENOUGH_REPLICAS` (19).
        public static let notEnoughReplicas = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        /// `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (20).
        public static let notEnoughReplicasAfterAppend = Code(
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND)
        /// `ILLEGAL_GENERATION` (22).
        public static let illegalGeneration = Code(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)
        /// `UNKNOWN_MEMBER_ID` (25).
        public static let unknownMemberID = Code(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
        /// `REBALANCE_IN_PROGRESS` (27).
        public static let rebalanceInProgress = Code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
        /// `TOPIC_ALREADY_EXISTS` (36).
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        /// `INVALID_PARTITIONS` (37).
        public static let invalidPartitions = Code(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS)
        /// `INVALID_REPLICATION_FACTOR` (38).
        public static let invalidReplicationFactor = Code(
            RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR)
        /// `TOPIC_AUTHORIZATION_FAILED` (29).
        public static let topicAuthorizationFailed = Code(
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        /// `INVALID_PRODUCER_EPOCH` (47).
        public static let invalidProducerEpoch = Code(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
        /// `INVALID_TXN_STATE` (48).
        public static let invalidTransactionState = Code(RD_KAFKA_RESP_ERR_INVALID_TXN_STATE)
        /// `CONCURRENT_TRANSACTIONS` (51).
        public static let concurrentTransactions = Code(RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS)
        /// `KAFKA_STORAGE_ERROR` (56).
        public static let kafkaStorageError = Code(RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR)
        /// `PRODUCER_FENCED` (90).
        public static let producerFenced = Code(RD_KAFKA_RESP_ERR_PRODUCER_FENCED)
    }
}

extension KafkaError {
    /// An error from a bare librdkafka code.
    init(
        _ err: rd_kafka_resp_err_t, operation: String, topic: String? = nil,
        partition: Int32? = nil, message: String? = nil
    ) {
        self.init(
            code: Code(err), message: message, operation: operation, topic: topic,
            partition: partition)
    }

    /// An error from a librdkafka error object; takes ownership of `error` and destroys it.
    init(consuming error: OpaquePointer, operation: String, topic: String? = nil) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: Code(rd_kafka_error_code(error)),
            message: String(cString: rd_kafka_error_string(error)),
            operation: operation,
            topic: topic,
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            transactionRequiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
    }

    /// The client's fatal error, if the handle is in the fatal state (`rd_kafka_fatal_error`).
    static func fatalError(of handle: OpaquePointer, operation: String) -> KafkaError? {
        let (code, message) = CErrorBuffer.call { rd_kafka_fatal_error(handle, $0, $1) }
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            code: Code(code), message: message, operation: operation, isRetriable: false,
            isFatal: true)
    }
}
