import Kafka

/// The exactly-once pipeline's decisions, without a broker: a value type whose methods take what
/// happened (a batch polled, a transaction committed or aborted, the loop's end) and return the
/// ``Action``s for ``ExactlyOncePipeline`` to perform, in order (behind a lock, performed outside
/// it, as swift-kafka-client's consumer state machine).
///
/// **Overlap.** Each batch is one transaction. While batch n's transaction runs (broker round
/// trips), batch n + 1 is polled, prepared and classified; transactions stay one at a time and in
/// batch order. When transaction n aborts, batch n + 1 is dropped unsent and the partitions of
/// both are rewound to their first records (``Action/rewind(_:)``), so the next poll redoes both.
/// After an assignment change, and once a stop is requested, the transaction is awaited before
/// the next poll, so a revocation is released with no transaction open.
struct ExactlyOnceStateMachine: Sendable {
    /// What the pipeline performs, in the order returned.
    enum Action: Sendable, Equatable {
        /// Poll the next batch and prepare it, in the background; its end is
        /// ``batchPolled(_:stopRequested:)``.
        case poll
        /// Classify the batch just polled.
        case classify
        /// Wait for the running transaction and report ``transactionFinished(committed:stopRequested:)``.
        case awaitTransaction
        /// Run the classified batch's transaction in the background: begin, produce its outputs,
        /// send its offsets with the group metadata, commit (abort after a non-fatal error).
        case runTransaction
        /// The classified batch is dropped unsent (it is redone after the rewind).
        case dropClassified
        /// Seek these partitions back to these offsets, so the next poll redoes them.
        case rewind([KafkaTopicPartitionOffset])
        /// Leave the group and close the clients.
        case finish
    }

    /// Why the running transaction is awaited.
    private enum Awaiting: Sendable {
        /// Before the batch just polled can start its own transaction.
        case beforeNext
        /// After an assignment change or a stop request, before the next poll.
        case beforePoll
        /// The loop polls no more.
        case drain
    }

    /// The batch just polled: its first offset per partition, whether it has records, and
    /// whether it changed the assignment.
    private var current: (first: [KafkaTopicPartition: Int64], hasRecords: Bool, rebalanced: Bool) = ([:], false, false)
    /// The running transaction's first offset per partition (`nil`: none running).
    private var transaction: [KafkaTopicPartition: Int64]?
    private var awaiting: Awaiting?
    private var polling = false
    private var stopping = false

    init() {}

    /// Whether a transaction is running.
    var isInTransaction: Bool { transaction != nil }

    /// The pipeline starts: poll the first batch.
    mutating func started() -> [Action] {
        polling = true
        return [.poll]
    }

    /// A poll ended with `batch`.
    mutating func batchPolled(_ batch: KafkaConsumerBatch, stopRequested: Bool) -> [Action] {
        polling = false
        stopping = stopping || stopRequested
        current = (Self.firstOffsets(batch.messages), !batch.messages.isEmpty, batch.changesAssignment)
        var actions: [Action] = current.hasRecords ? [.classify] : []
        if transaction != nil {
            awaiting = .beforeNext
            actions.append(.awaitTransaction)
            return actions
        }
        return actions + next()
    }

    /// The running transaction committed (`committed`) or was aborted.
    mutating func transactionFinished(committed: Bool, stopRequested: Bool) -> [Action] {
        stopping = stopping || stopRequested
        let finished = transaction ?? [:]
        let reason = awaiting
        transaction = nil
        awaiting = nil
        switch reason {
        case .beforeNext?:
            guard committed else {
                // Batch n aborted: n + 1 is dropped unsent, and both are redone.
                var actions: [Action] = current.hasRecords ? [.dropClassified] : []
                actions.append(.rewind(Self.merged(finished, current.first)))
                current = ([:], false, current.rebalanced)
                if !stopping {
                    polling = true
                    actions.append(.poll)
                }
                return actions
            }
            return next()
        case .beforePoll?:
            var actions: [Action] = committed ? [] : [.rewind(Self.offsets(finished))]
            if !stopping {
                polling = true
                actions.append(.poll)
            }
            return actions
        case .drain?, nil:
            return [.finish]
        }
    }

    /// The loop polls no more (stopped, or failed): finish the running transaction, then leave.
    mutating func pollingEnded() -> [Action] {
        stopping = true
        guard transaction != nil else { return [.finish] }
        awaiting = .drain
        return [.awaitTransaction]
    }

    /// After the previous transaction: poll ahead, start this batch's transaction, and await it
    /// before polling when the assignment changed or a stop was requested.
    private mutating func next() -> [Action] {
        var actions: [Action] = []
        let holdPoll = stopping || current.rebalanced
        if !holdPoll {
            polling = true
            actions.append(.poll)
        }
        if current.hasRecords {
            transaction = current.first
            actions.append(.runTransaction)
            if holdPoll {
                awaiting = .beforePoll
                actions.append(.awaitTransaction)
                return actions
            }
        }
        if !stopping && !polling {
            polling = true
            actions.append(.poll)
        }
        return actions
    }

    static func firstOffsets(_ messages: [KafkaConsumerMessage]) -> [KafkaTopicPartition: Int64] {
        var first: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            first[message.topicPartition] = min(first[message.topicPartition] ?? .max, message.offset)
        }
        return first
    }

    private static func merged(
        _ a: [KafkaTopicPartition: Int64], _ b: [KafkaTopicPartition: Int64]
    ) -> [KafkaTopicPartitionOffset] {
        offsets(a.merging(b) { min($0, $1) })
    }

    private static func offsets(_ first: [KafkaTopicPartition: Int64]) -> [KafkaTopicPartitionOffset] {
        first.sorted { $0.key < $1.key }.map {
            KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value)
        }
    }
}
