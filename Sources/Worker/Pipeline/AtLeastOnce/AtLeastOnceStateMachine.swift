import Kafka

/// The at-least-once pipeline's decisions, without a broker: a value type whose methods take what
/// happened (a batch polled, a delivery report, a commit's answer, a clock tick…) and return the
/// ``Action``s for ``AtLeastOncePipeline`` to perform, in order. The pipeline keeps it behind a
/// lock and performs the actions outside it (swift-kafka-client's consumer state machine does the
/// same).
///
/// **Overlap.** While batch n is classified, batch n + 1 is polled and prepared
/// (``Action/poll``) and batch n − 1's outputs are enqueued (``Action/publish``); outputs are
/// enqueued in batch order (``Action/awaitPublish`` before the next ``Action/publish``). After an
/// assignment change, and once a stop is requested, the next poll waits until the batch's outputs
/// are enqueued, so a revocation is released with its work known.
///
/// **Commits.** Every input is registered with its output in the ``OffsetTracker``; a delivery
/// report acknowledges it. The answered offsets are committed every `commitInterval` (zero: after
/// every batch), on a revocation (before the partitions are released) and on stop (before leaving
/// the group). A commit refused because of a rebalance (`REBALANCE_IN_PROGRESS`,
/// `ILLEGAL_GENERATION`…) on revocation or on stop is kept and sent again once the rebalance
/// settled, for the partitions assigned to this worker again (eager) or kept through it
/// (cooperative-sticky: the next assignment, an increment, may be empty); an interval commit
/// refused for a partition still assigned goes with the next interval. A lost partition is
/// forgotten without a commit. A partition's commit never goes below what this worker committed
/// for it.
///
/// **Incremental rebalances.** With cooperative-sticky a revocation names only the partitions
/// that move: only they are drained, committed and forgotten; the others keep their answered
/// offsets and outputs in flight, and polling resumes as soon as the revoked ones are released.
/// Inputs read again below what this worker had answered of a partition before it left
/// (``answeredBefore``) are counted (``replayed(_:)``: `newsclf_replayed_inputs_total`) and not
/// answered again (``registerUnlessAnswered(_:output:)``).
///
/// **Backpressure.** Above `maxInFlight` unanswered inputs the assignment is paused (polls go on:
/// heartbeats, rebalances), below half of it resumed.
struct AtLeastOnceStateMachine: Sendable {
    /// The settings the decisions depend on.
    struct Configuration: Sendable {
        /// Above this many unanswered inputs the assignment is paused.
        var maxInFlight: Int
        /// The time between two commits of answered offsets (zero: after every batch).
        var commitInterval: Duration
        /// The dead-letter topic (its records are re-sent without their value when too large).
        var deadLetterTopic: String
        /// The review topic, if any (its copies too are re-sent without their value when too large).
        var reviewTopic: String? = nil
    }

    /// Why offsets are committed.
    enum CommitReason: Sendable, Equatable {
        /// `commit_interval_ms` elapsed: in the background, the loop goes on.
        case interval
        /// The partitions are being revoked: before the next poll releases them.
        case revocation
        /// A commit refused during a rebalance, sent again now that the partitions are ours again.
        case rebalanceSettled
        /// The last commit before leaving the group.
        case stop
    }

    /// What the pipeline performs, in the order returned.
    enum Action: Sendable, Equatable {
        /// Poll the next batch and prepare it (decode, tokenize), in the background; its end is
        /// ``batchPolled(_:hasRecords:stopRequested:now:)``.
        case poll
        /// Classify the batch just polled.
        case classify
        /// Wait until the previous batch's outputs are enqueued (``publishFinished()``).
        case awaitPublish
        /// Write and enqueue the classified batch's outputs, in the background, registering each
        /// (``register(_:output:)``).
        case publish
        /// Pause fetching from these partitions.
        case pause([KafkaTopicPartition])
        /// Resume fetching from these partitions.
        case resume([KafkaTopicPartition])
        /// Wait (at most the drain timeout) for the outputs of these partitions, `nil`: of all,
        /// then report ``outputsDrained(of:)``.
        case awaitOutputs(of: [KafkaTopicPartition]?)
        /// Commit these offsets and report ``commitFinished(_:reason:error:now:)``.
        case commit([KafkaTopicPartitionOffset], CommitReason)
        /// These partitions are no longer tracked (`unanswered` outputs were still pending).
        case forgot([KafkaTopicPartition], lost: Bool, unanswered: Int)
        /// Keep polling (discarding records) until the rebalance settles or the drain deadline
        /// passes, reporting each batch with ``drainPolled(_:)``.
        case pollUntilRebalanceSettles
        /// End the loop with this error (an output that cannot be produced).
        case fail(KafkaError)
        /// Leave the group and close the clients; ``report`` says what was committed.
        case finish
    }

    /// What a delivery report asks for.
    enum DeliveryAction: Sendable, Equatable {
        /// Nothing (an unknown token: its partition was forgotten, or already acknowledged).
        case none
        /// Acknowledged: count it (the pending entry carries the input's timestamp).
        case delivered(OffsetTracker.Pending)
        /// Produce the entry's message again with `token`; `droppedValueBytes` when it is a dead
        /// letter sent again without its value.
        case produceAgain(OffsetTracker.Pending, token: UInt64, droppedValueBytes: Int?)
        /// The producer is closing (purged): the input stays uncommitted.
        case ignore
        /// The output cannot be produced: the loop ends with this error.
        case fail(KafkaError)
    }

    private let configuration: Configuration
    private(set) var tracker = OffsetTracker()
    /// The partitions assigned to this worker.
    private(set) var assignment: Set<KafkaTopicPartition> = []
    /// The paused partitions (backpressure), empty when not paused.
    private(set) var paused: [KafkaTopicPartition] = []
    private var polling = false
    private var publishing = false
    private var stopping = false
    private var draining = false
    /// Answered offsets not committed yet, per partition.
    private(set) var uncommitted: [KafkaTopicPartition: Int64] = [:]
    /// Partitions whose commit was refused during a rebalance: sent again when assigned again.
    private(set) var awaitingRebalance: Set<KafkaTopicPartition> = []
    /// What this worker committed per partition (a commit never goes below).
    private(set) var committed: [KafkaTopicPartition: Int64] = [:]
    /// Per partition this worker owned before: one past the last input of the answered prefix
    /// it had reached when the partition was taken away (revoked or lost). Inputs read again
    /// below it are ``replayed(_:)``: answered twice by this process.
    private(set) var answeredBefore: [KafkaTopicPartition: Int64] = [:]
    private var commitInFlight = false
    private var lastCommit: ContinuousClock.Instant?
    private var deliveryFailure: KafkaError?

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Whether a stop was requested (the loop polls no more).
    var isStopping: Bool { stopping }

    /// The first delivery that cannot be retried, if any.
    var failure: KafkaError? { deliveryFailure }

    // MARK: - The loop

    /// The pipeline starts: poll the first batch.
    mutating func started(now: ContinuousClock.Instant) -> [Action] {
        lastCommit = now
        polling = true
        return [.poll]
    }

    /// A poll ended with `batch` (`hasRecords`: it has records to classify).
    ///
    /// - Parameters:
    ///   - stopRequested: whether a stop was requested by now.
    ///   - now: the time, for the commit interval.
    mutating func batchPolled(
        _ batch: KafkaConsumerBatch, hasRecords: Bool, stopRequested: Bool, now: ContinuousClock.Instant
    ) -> [Action] {
        polling = false
        if let deliveryFailure { return [.fail(deliveryFailure)] }
        stopping = stopping || stopRequested
        let rebalanced = batch.changesAssignment
        var actions: [Action] = []
        if !stopping && !rebalanced {
            polling = true
            actions.append(.poll)
        }
        if hasRecords {
            actions.append(.classify)
            if publishing { actions.append(.awaitPublish) }
            publishing = true
            actions.append(.publish)
        }
        if (stopping || rebalanced) && publishing { actions.append(.awaitPublish) }
        for event in batch.events {
            switch event {
            case .partitionsAssigned(let partitions):
                actions += assigned(partitions)
            case .partitionsRevoked(let partitions, let lost):
                if !paused.isEmpty {
                    actions.append(.resume(paused))
                    paused = []
                }
                if lost {
                    actions.append(forget(partitions, lost: true))
                } else {
                    actions.append(.awaitOutputs(of: partitions))
                }
            default:
                break
            }
        }
        return actions
    }

    /// Counts, per partition, the records of `messages` this worker had already answered while it
    /// owned their partition before (offsets below ``answeredBefore``): each would be a second
    /// output of the same input, and is not answered again (``registerUnlessAnswered(_:output:)``).
    /// After a rebalance the consumer starts at the group's committed
    /// offset, which is below what this worker answered when its commit on revocation was
    /// refused (the mock and noida-db refuse commits during an eager rebalance) or came too late.
    ///
    /// Inputs answered by an earlier process (before a restart or a kill) or by another member
    /// are not known here: those are answered again (the duplicates at-least-once allows).
    func replayed(_ messages: [KafkaConsumerMessage]) -> [KafkaTopicPartition: Int] {
        guard !answeredBefore.isEmpty else { return [:] }
        var counts: [KafkaTopicPartition: Int] = [:]
        for message in messages {
            let partition = message.topicPartition
            if let answered = answeredBefore[partition], message.offset < answered { counts[partition, default: 0] += 1 }
        }
        return counts
    }

    /// Registers one input and its output like ``register(_:output:)``, unless this worker
    /// already answered the input (its output acknowledged) while it owned the partition before
    /// (an offset below ``answeredBefore``): then the input is marked answered at once and gets
    /// no second output (`nil`). The earlier output stands, so at-least-once holds; this is what
    /// keeps a partition that comes back after a refused commit on revocation from being
    /// answered twice.
    mutating func registerUnlessAnswered(_ input: KafkaConsumerMessage, output: KafkaProducerMessage) -> UInt64? {
        registerUnlessAnswered(input, outputs: [output])?.first
    }

    /// ``registerUnlessAnswered(_:output:)`` for an input with several outputs (a label and its
    /// review copy): a token per output, or `nil` when the input was answered before.
    mutating func registerUnlessAnswered(_ input: KafkaConsumerMessage, outputs: [KafkaProducerMessage]) -> [UInt64]? {
        let tokens = tracker.register(input, outputs: outputs)
        guard let answered = answeredBefore[input.topicPartition], input.offset < answered else { return tokens }
        for token in tokens { tracker.acknowledge(token: token) }
        return nil
    }

    /// The outputs being enqueued are all enqueued.
    mutating func publishFinished() {
        publishing = false
    }

    /// Registers one input and its output in the tracker; returns the token to produce it with.
    mutating func register(_ input: KafkaConsumerMessage, output: KafkaProducerMessage) -> UInt64 {
        tracker.register(input, output: output)
    }

    /// The outputs of `partitions` (`nil`: of all) are acknowledged, or the drain timeout passed.
    /// For a revocation: commit their answered offsets, then forget them. On stop: the final
    /// commit.
    mutating func outputsDrained(of partitions: [KafkaTopicPartition]?) -> [Action] {
        collectAnswered()
        guard let partitions else {
            // The stop: commit everything answered of what is still ours, or finish.
            let offsets = committable(in: assignment)
            return offsets.isEmpty ? [.finish] : [.commit(offsets, .stop)]
        }
        let revoked = Set(partitions)
        rememberAnswered(revoked)
        assignment.subtract(revoked)
        let offsets = committable(in: revoked)
        var actions: [Action] = []
        if !offsets.isEmpty { actions.append(.commit(offsets, .revocation)) }
        actions.append(forget(partitions, lost: false))
        return actions
    }

    /// A commit of `offsets` ended (`error`: `nil` when the coordinator took it).
    mutating func commitFinished(
        _ offsets: [KafkaTopicPartitionOffset], reason: CommitReason, error: KafkaError?,
        now: ContinuousClock.Instant
    ) -> [Action] {
        if reason == .interval || reason == .rebalanceSettled { commitInFlight = false }
        if let error {
            for offset in offsets {
                let partition = offset.topicPartition
                uncommitted[partition] = max(uncommitted[partition] ?? .min, offset.offset)
                // A partition still assigned (an interval commit refused while a cooperative
                // rebalance keeps it here) goes with the next interval; one being revoked, or
                // the stop's, waits for the rebalance to settle.
                if CommitRefusal.isRebalance(error)
                    && (reason == .revocation || reason == .stop || !assignment.contains(partition))
                {
                    awaitingRebalance.insert(partition)
                }
            }
        } else {
            for offset in offsets {
                let partition = offset.topicPartition
                committed[partition] = max(committed[partition] ?? .min, offset.offset)
                if let pending = uncommitted[partition], pending <= offset.offset { uncommitted[partition] = nil }
                awaitingRebalance.remove(partition)
            }
        }
        guard reason == .stop else { return [] }
        if error != nil && !awaitingRebalance.isEmpty { return [.pollUntilRebalanceSettles] }
        return [.finish]
    }

    /// The loop's step after a batch's actions: commit what is due, apply backpressure, and poll
    /// again if the batch's actions did not already.
    mutating func batchHandled(stopRequested: Bool, now: ContinuousClock.Instant) -> [Action] {
        stopping = stopping || stopRequested
        var actions = dueCommit(now: now)
        let inFlight = tracker.inFlightCount
        if paused.isEmpty && inFlight >= configuration.maxInFlight && !assignment.isEmpty {
            paused = assignment.sorted()
            actions.append(.pause(paused))
        } else if !paused.isEmpty && inFlight <= configuration.maxInFlight / 2 {
            actions.append(.resume(paused))
            paused = []
        }
        if !stopping && !polling {
            polling = true
            actions.append(.poll)
        }
        return actions
    }

    /// The loop polls no more (stopped, or failed): wait for the outputs being enqueued and for
    /// every output in flight, then commit.
    mutating func pollingEnded() -> [Action] {
        stopping = true
        draining = true
        var actions: [Action] = []
        if publishing { actions.append(.awaitPublish) }
        if !paused.isEmpty {
            actions.append(.resume(paused))
            paused = []
        }
        actions.append(.awaitOutputs(of: nil))
        return actions
    }

    /// A poll while the drain waits for a rebalance to settle (its records are discarded: they
    /// were not answered, so they are not committed).
    mutating func drainPolled(_ batch: KafkaConsumerBatch) -> [Action] {
        var actions: [Action] = []
        for event in batch.events {
            switch event {
            case .partitionsAssigned(let partitions):
                actions += assigned(partitions)
            case .partitionsRevoked(let partitions, let lost):
                assignment.subtract(partitions)
                if lost { actions.append(forget(partitions, lost: true)) }
            default:
                break
            }
        }
        return actions
    }

    /// Whether the drain still waits for a rebalance to settle (refused commits of partitions
    /// that may be assigned again).
    var isAwaitingRebalance: Bool { !awaitingRebalance.isEmpty }

    /// What the stop leaves: the outputs not answered and the partitions whose answered offsets
    /// were not committed.
    var report: DrainReport {
        DrainReport(
            unanswered: tracker.inFlightCount,
            uncommittedPartitions: uncommitted.filter { $0.value > committed[$0.key] ?? .min }.keys.sorted())
    }

    // MARK: - Delivery reports

    /// A delivery report for the output produced with `token`.
    mutating func deliveryReported(token: UInt64, result: Result<Int64, KafkaError>) -> DeliveryAction {
        switch result {
        case .success:
            guard let entry = tracker.acknowledge(token: token) else { return .none }
            return .delivered(entry)
        case .failure(let error):
            guard let entry = tracker.pendingOutput(token: token) else { return .none }
            if error.code == .purgeQueue || error.code == .purgeInflight || error.code == .destroy {
                return .ignore
            }
            guard error.code == .messageSizeTooLarge else {
                return .produceAgain(entry, token: token, droppedValueBytes: nil)
            }
            return tooLarge(token: token, error: error)
        }
    }

    /// A produce call refused `token`'s output as too large: a dead letter goes again without its
    /// value; a label cannot (the loop fails).
    mutating func tooLarge(token: UInt64, error: KafkaError) -> DeliveryAction {
        guard let entry = tracker.pendingOutput(token: token),
            let smaller = WorkerOutput.withoutValue(
                entry.message, deadLetterTopic: configuration.deadLetterTopic,
                reviewTopic: configuration.reviewTopic, error: error)
        else {
            deliveryFailure = deliveryFailure ?? error
            return .fail(error)
        }
        tracker.replaceOutput(token: token, with: smaller)
        var replaced = entry
        replaced.message = smaller
        return .produceAgain(replaced, token: token, droppedValueBytes: entry.message.value?.count ?? 0)
    }

    /// A produce call failed for good (not queue-full, not too large).
    mutating func produceFailed(_ error: KafkaError) {
        deliveryFailure = deliveryFailure ?? error
    }

    // MARK: - Helpers

    private mutating func assigned(_ partitions: [KafkaTopicPartition]) -> [Action] {
        assignment.formUnion(partitions)
        // Eager: the partitions assigned again; cooperative: also those kept through the
        // rebalance (its assignment is an increment, possibly empty).
        let owned = awaitingRebalance.intersection(assignment)
        guard !owned.isEmpty else { return [] }
        awaitingRebalance.subtract(owned)
        let offsets = committable(in: owned)
        guard !offsets.isEmpty else { return [] }
        if !draining { commitInFlight = true }
        return [.commit(offsets, .rebalanceSettled)]
    }

    /// Remembers how far `partitions` were answered (``answeredBefore``), before they go.
    private mutating func rememberAnswered(_ partitions: some Sequence<KafkaTopicPartition>) {
        collectAnswered()
        for partition in partitions {
            let answered = max(committed[partition] ?? .min, uncommitted[partition] ?? .min)
            if answered > answeredBefore[partition] ?? .min { answeredBefore[partition] = answered }
        }
    }

    private mutating func forget(_ partitions: [KafkaTopicPartition], lost: Bool) -> Action {
        rememberAnswered(partitions)
        assignment.subtract(partitions)
        let unanswered = tracker.forget(partitions)
        for partition in partitions {
            committed[partition] = nil
            // A refused commit waits for the partition to come back; anything else is dropped.
            if lost || !awaitingRebalance.contains(partition) {
                uncommitted[partition] = nil
                awaitingRebalance.remove(partition)
            }
        }
        return .forgot(partitions, lost: lost, unanswered: unanswered)
    }

    /// Moves the tracker's newly answered offsets into ``uncommitted``.
    private mutating func collectAnswered() {
        for offset in tracker.takeCommittableOffsets() {
            let partition = offset.topicPartition
            uncommitted[partition] = max(uncommitted[partition] ?? .min, offset.offset)
        }
    }

    /// The uncommitted offsets of `partitions` above what was committed, sorted; taken out of
    /// ``uncommitted`` (a failed commit puts them back).
    private mutating func committable(in partitions: Set<KafkaTopicPartition>) -> [KafkaTopicPartitionOffset] {
        var result: [KafkaTopicPartitionOffset] = []
        for partition in partitions.sorted() {
            guard let offset = uncommitted[partition] else { continue }
            uncommitted[partition] = nil
            guard offset > committed[partition] ?? .min else { continue }
            result.append(KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: offset))
        }
        return result
    }

    private mutating func dueCommit(now: ContinuousClock.Instant) -> [Action] {
        collectAnswered()
        guard !commitInFlight else { return [] }
        if let lastCommit, lastCommit.duration(to: now) < configuration.commitInterval { return [] }
        let offsets = committable(in: assignment.subtracting(awaitingRebalance))
        lastCommit = now
        guard !offsets.isEmpty else { return [] }
        commitInFlight = true
        return [.commit(offsets, .interval)]
    }
}
