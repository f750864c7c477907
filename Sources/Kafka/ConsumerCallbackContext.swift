import CRdKafka
import Logging
import Synchronization

/// The state a consumer's librdkafka callbacks share with ``KafkaConsumer``: events collected
/// during a poll and a revocation waiting for the application.
///
/// The callbacks (rebalance, offset commit, error) are served by `rd_kafka_consumer_poll` and
/// `rd_kafka_consumer_close`, i.e. on the consumer's poll thread.
final class ConsumerCallbackContext: RdKafkaCallbackContext, @unchecked Sendable {
    /// Revoked partitions not yet released, and how to release them.
    struct PendingRevocation {
        var partitions: [KafkaTopicPartition]
        var isCooperative: Bool
    }

    private struct State {
        var events: [KafkaConsumerEvent] = []
        var pendingRevocation: PendingRevocation?
        var isClosing = false
        var hasJoinedGroup = false
    }

    private let state = Mutex(State())

    override func handleError(_ error: KafkaError) {
        super.handleError(error)
        state.withLock { $0.events.append(.error(error)) }
    }

    /// Takes the events collected since the last call.
    func takeEvents() -> [KafkaConsumerEvent] {
        state.withLock { state in
            defer { state.events.removeAll() }
            return state.events
        }
    }

    func append(_ event: KafkaConsumerEvent) {
        state.withLock { $0.events.append(event) }
    }

    var hasPendingRevocation: Bool { state.withLock { $0.pendingRevocation != nil } }

    /// Whether the consumer is a member of its group: set when the group gave it an assignment
    /// (possibly empty), cleared when its assignment was lost (session timeout, fatal group
    /// error) until the next assignment.
    var hasJoinedGroup: Bool { state.withLock { $0.hasJoinedGroup } }

    /// From now on revocations are released at once (during `rd_kafka_consumer_close` and
    /// `rd_kafka_destroy` nobody could act on them).
    func beginClosing() { state.withLock { $0.isClosing = true } }

    /// Releases partitions whose revocation the application has seen (called at the start of the
    /// next poll and on close).
    func releasePendingRevocation(handle: OpaquePointer) {
        let pending = state.withLock { state in
            defer { state.pendingRevocation = nil }
            return state.pendingRevocation
        }
        if let pending { release(pending, handle: handle) }
    }

    private func release(_ revocation: PendingRevocation, handle: OpaquePointer) {
        if revocation.isCooperative {
            let list = RdKafkaTopicPartitionList(revocation.partitions)
            if let error = rd_kafka_incremental_unassign(handle, list.pointer) {
                append(.error(KafkaError(consuming: error, operation: "incremental unassign")))
            }
        } else {
            let err = rd_kafka_assign(handle, nil)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                append(.error(KafkaError(err, operation: "unassign")))
            }
        }
        logger.debug(
            "released revoked partitions",
            metadata: ["kafka.partitions": "\(revocation.partitions)"])
    }

    /// The rebalance callback (`rebalance_cb`). Assignments are applied at once; a revocation is
    /// recorded, the poll is interrupted (`rd_kafka_yield`), and the partitions stay assigned
    /// until ``releasePendingRevocation(handle:)``. librdkafka's group state machine waits for
    /// the application's unassign call (`WAIT_UNASSIGN_CALL`), so deferring it is allowed.
    func rebalance(
        handle: OpaquePointer, code: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let list = partitions.map { RdKafkaTopicPartitionList.partitions(of: $0) } ?? []
        let isCooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if isCooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) {
                    append(.error(KafkaError(consuming: error, operation: "incremental assign")))
                }
            } else {
                let err = rd_kafka_assign(handle, partitions)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    append(.error(KafkaError(err, operation: "assign")))
                }
            }
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(list)"])
            state.withLock {
                $0.hasJoinedGroup = true
                $0.events.append(.partitionsAssigned(list))
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(handle) != 0
            let revocation = PendingRevocation(partitions: list, isCooperative: isCooperative)
            logger.info(
                "partitions revoked",
                metadata: ["kafka.partitions": "\(list)", "kafka.lost": "\(lost)"])
            let deferRelease = state.withLock { state in
                if lost { state.hasJoinedGroup = false }
                guard !state.isClosing, !list.isEmpty else { return false }
                state.events.append(.partitionsRevoked(list, lost: lost))
                state.pendingRevocation = revocation
                return true
            }
            if deferRelease {
                rd_kafka_yield(handle)
            } else {
                release(revocation, handle: handle)
            }
        default:
            append(.error(KafkaError(code, operation: "rebalance")))
            _ = rd_kafka_assign(handle, nil)
        }
    }

    /// The offset commit callback (`offset_commit_cb`), for automatic, asynchronous and
    /// synchronous commits. "Nothing to commit" is not reported.
    func offsetsCommitted(
        code: rd_kafka_resp_err_t, offsets: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        guard code != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
        let committed = offsets.map { RdKafkaTopicPartitionList.offsets(of: $0) } ?? []
        var error: KafkaError?
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            error = KafkaError(code, operation: "commit")
        } else if let offsets {
            error = RdKafkaTopicPartitionList.firstError(of: offsets, operation: "commit")
        }
        append(.offsetsCommitted(committed, error: error))
    }
}
