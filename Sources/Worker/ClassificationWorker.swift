import Classification
import Foundation
import Kafka
import Logging
import Synchronization
import WireFormat

/// The worker service: consumes the input topic in a consumer group, classifies micro-batches,
/// publishes one output per input (label or dead letter), and commits input offsets under the
/// configured ``ProcessingGuarantee`` (DESIGN.md "Delivery guarantees").
///
/// **At-least-once** (default). The loop polls a batch (up to `batch_max_size` records, waiting
/// `batch_max_wait_ms` after the first), classifies it, and enqueues its outputs without
/// waiting; a second task reads the delivery reports. Consecutive batches overlap: while the
/// model classifies one, the next is polled, decoded and tokenized and the previous one's outputs
/// are written and enqueued (in batch order), each on one thread beside the model's, so the
/// per-item work fills the cycles the model leaves idle. ``OffsetTracker`` advances a partition's
/// offset only over inputs whose outputs are all acknowledged, and those offsets are *stored*;
/// librdkafka's auto-commit sends them every `auto.commit.interval.ms` (5 s) and at close, so
/// commits are batched. A failed delivery is produced again (a dead letter too large for the
/// broker is re-sent without its value, see ``WorkerOutput``). With more than `max_in_flight`
/// unanswered inputs the worker pauses its partitions and keeps polling (heartbeats, rebalances)
/// until half of them are answered. On a revocation it waits for the revoked partitions' outputs,
/// commits their offsets, and forgets them, so nothing is committed for a partition it no longer
/// owns; a *lost* partition is forgotten at once.
///
/// **Exactly-once.** Each batch is one transaction: begin, produce the outputs, send the
/// batch's next offsets with the consumer's group metadata, commit. While one batch's
/// transaction runs, the next batch is polled, decoded, tokenized and classified; transactions
/// stay one at a time, in batch order. A non-fatal error aborts the transaction and seeks the
/// partitions of that batch and of the one classified behind it back to their first offsets
/// (the second is dropped unsent), so the next poll redoes both; a fatal one (fenced by a newer
/// instance with the same `transactional_id`) ends ``run()`` with the error.
///
/// **Stopping.** ``requestStop()`` (SIGTERM/SIGINT): the loop stops fetching, finishes the batch
/// in flight (and one already polled), waits for its outputs (at most `drain_timeout_ms`; with
/// exactly-once, for its transaction, bounded by the transaction timeout), commits, leaves the
/// group and returns. **Reloading.** ``reloadModel()`` (SIGHUP) swaps the model between batches.
public final class ClassificationWorker: Sendable {
    /// The settings.
    public let configuration: WorkerConfiguration
    /// The model serving, and its reload.
    public let models: ModelStore
    /// Readiness and liveness for `/readyz`, `/healthz`.
    public let health: WorkerHealth
    /// The metrics this worker emits.
    public let metrics: WorkerMetrics
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let batchClassifier: BatchClassifier
    private let stopRequested = Atomic<Bool>(false)
    private let tracker = Mutex(OffsetTracker())
    /// A delivery that cannot be retried; the loop ends with it.
    private let deliveryFailure = Mutex<KafkaError?>(nil)
    /// Fault injection for exactly-once tests; `nil` in production.
    private let transactionTestHook: TransactionTestHook?
    /// Transactions begun since start (the test hook's argument).
    private let transactionCount = Atomic<Int>(0)
    /// The consumer while ``run()`` runs, for ``consumerLag()``.
    private let runningConsumer = Mutex<KafkaConsumer?>(nil)

    /// How long an idle poll waits for the first record of a batch.
    static let idlePollTimeout: Duration = .milliseconds(100)
    /// How long transaction calls may take.
    static let transactionTimeout: Duration = .seconds(30)

    /// - Parameters:
    ///   - configuration: the resolved settings (bootstrap servers must be set).
    ///   - models: the loaded model.
    ///   - metrics: where metrics go (share it with ``ModelStore``).
    ///   - health: updated as the worker starts, serves and drains.
    ///   - notifier: systemd notifications (`READY=1`, `RELOADING=1`, `STOPPING=1`; the keep-alive
    ///     `WATCHDOG=1` is ``WatchdogKeepAlive``'s).
    ///   - logger: the worker's log; payloads only at `debug`.
    ///   - transactionTestHook: exactly-once fault injection for tests (``TransactionTestHook``).
    public init(
        configuration: WorkerConfiguration, models: ModelStore, metrics: WorkerMetrics = WorkerMetrics(),
        health: WorkerHealth = WorkerHealth(), notifier: SystemdNotifier = SystemdNotifier(),
        logger: Logger = Logger(label: "newsclf.worker"), transactionTestHook: TransactionTestHook? = nil
    ) {
        self.transactionTestHook = transactionTestHook
        self.configuration = configuration
        self.models = models
        self.metrics = metrics
        self.health = health
        self.notifier = notifier
        self.logger = logger
        self.batchClassifier = BatchClassifier(
            outputTopic: configuration.outputTopic, deadLetterTopic: configuration.deadLetterTopic,
            maxMessageBytes: configuration.maxMessageBytes,
            // At-least-once overlaps the per-item stages with the model (one thread each, beside
            // the model's threads); exactly-once overlaps them with a transaction (broker round
            // trips), so there they use every inference thread.
            threadCount: configuration.processingGuarantee == .atLeastOnce ? 1 : configuration.inferenceThreads)
    }

    /// Asks ``run()`` to drain and return, and marks the worker not ready (`/readyz`: "draining")
    /// at once, while the batch in flight finishes. Safe from any thread (a signal handler's
    /// queue).
    public func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        health.setReady(false, reason: "draining")
    }

    /// Whether ``requestStop()`` was called.
    public var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// Reloads the model (SIGHUP): tells systemd `RELOADING=1`, loads and validates the checkpoint
    /// the configured path points to now, swaps it in (the next batch uses it) or keeps the old
    /// one, then tells systemd `READY=1`.
    @discardableResult
    public func reloadModel() -> ModelReloadOutcome {
        notify { try $0.reloading() }
        let outcome = models.reload()
        notify { try $0.ready(status: "serving model \(self.models.current.digest)") }
        return outcome
    }

    /// Runs until ``requestStop()`` (returns after draining) or a fatal Kafka error (throws).
    ///
    /// - Throws: ``KafkaError`` when a client cannot be created, the subscription fails, the
    ///   consumer or the transactional producer hits a fatal error, or an output cannot be
    ///   produced at all (its input is then not committed; a restart redoes it).
    public func run() async throws(KafkaError) {
        let consumer = try KafkaConsumer(
            configuration: configuration.consumerConfiguration, logger: logger)
        let producer = try KafkaProducer(
            configuration: configuration.producerConfiguration, logger: logger)
        if configuration.processingGuarantee == .exactlyOnce {
            try await initTransactions(producer)
        }
        try consumer.subscribe(topics: [configuration.inputTopic])
        logger.info("subscribed", metadata: ["kafka.topic": "\(configuration.inputTopic)"])
        runningConsumer.withLock { $0 = consumer }
        defer { runningConsumer.withLock { $0 = nil } }
        health.heartbeat()
        if !isStopRequested { health.setReady(true) }
        notify { try $0.ready(status: "consuming \(self.configuration.inputTopic)") }
        logger.info(
            "worker started",
            metadata: [
                "kafka.topic": "\(configuration.inputTopic)", "kafka.group": "\(configuration.groupID)",
                "model.digest": "\(models.current.digest)",
                "processing_guarantee": "\(configuration.processingGuarantee.rawValue)",
            ])
        switch configuration.processingGuarantee {
        case .atLeastOnce:
            try await runAtLeastOnce(consumer: consumer, producer: producer)
        case .exactlyOnce:
            try await runExactlyOnce(consumer: consumer, producer: producer)
        }
    }

    // MARK: - At-least-once

    private func runAtLeastOnce(
        consumer: KafkaConsumer, producer: KafkaProducer
    ) async throws(KafkaError) {
        let reportTask = Task { [self] in
            for await report in producer.deliveryReports {
                await handleDeliveryReport(report, producer: producer)
            }
        }
        var paused: [KafkaTopicPartition] = []
        var failure: KafkaError?
        // A three-stage pipeline over consecutive batches: while the model classifies batch n,
        // batch n + 1 is polled, decoded and tokenized (`ahead`) and batch n − 1's outputs are
        // written and enqueued (`publishing`), so the per-item work around the model fills the
        // cores the model leaves idle. Outputs are enqueued, and their offsets tracked, in batch
        // order. After a rebalance event, and once a stop is requested, the loop waits for each
        // stage, so a revocation is released before the next poll.
        var ahead: Task<Result<PreparedPoll, KafkaError>, Never>? = pollAhead(consumer)
        var publishing: Task<Result<Void, KafkaError>, Never>?
        do throws(KafkaError) {
            while let fetching = ahead {
                ahead = nil
                let (batch, prepared) = try await fetching.value.get()
                if let error = deliveryFailure.withLock({ $0 }) { throw error }
                health.heartbeat()
                logEvents(batch.events)
                let stopping = isStopRequested
                let rebalanced = batch.changesAssignment
                if !stopping && !rebalanced { ahead = pollAhead(consumer) }
                if let prepared {
                    let classified = batchClassifier.classify(prepared)
                    if let previous = publishing {
                        publishing = nil
                        try await previous.value.get()
                    }
                    publishing = publishAhead(classified, producer: producer)
                }
                if stopping || rebalanced, let current = publishing {
                    publishing = nil
                    try await current.value.get()
                }
                for event in batch.events {
                    guard case .partitionsRevoked(let partitions, let lost) = event else { continue }
                    if !paused.isEmpty {
                        try? consumer.resume(paused)
                        paused = []
                    }
                    await release(partitions, lost: lost, consumer: consumer, producer: producer)
                }
                storeCommittableOffsets(consumer)
                try applyBackpressure(consumer, paused: &paused)
                if !stopping && ahead == nil && !isStopRequested { ahead = pollAhead(consumer) }
            }
        } catch {
            failure = error
        }
        // Outputs still being enqueued: they are part of the drain. A poll still running after
        // an error: let it end before the consumer closes (its records are not answered, so not
        // committed; the partition's next owner redoes them).
        if let current = publishing, case .failure(let error) = await current.value, failure == nil {
            failure = error
        }
        _ = await ahead?.value
        await drainAtLeastOnce(consumer: consumer, producer: producer, clean: failure == nil)
        reportTask.cancel()
        if let failure { throw failure }
    }

    /// A polled batch, decoded and tokenized (`nil` when it has no records).
    private typealias PreparedPoll = (batch: KafkaConsumerBatch, prepared: BatchClassifier.PreparedBatch?)

    /// Polls the next batch and prepares it, in a task of its own.
    private func pollAhead(_ consumer: KafkaConsumer) -> Task<Result<PreparedPoll, KafkaError>, Never> {
        Task { [self] in
            do throws(KafkaError) {
                let batch = try await pollBatch(consumer)
                let prepared = batch.messages.isEmpty
                    ? nil : batchClassifier.prepare(batch.messages, with: models.current)
                return .success((batch, prepared))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Writes a classified batch's outputs and enqueues them, in a task of its own.
    private func publishAhead(
        _ classified: BatchClassifier.ClassifiedBatch, producer: KafkaProducer
    ) -> Task<Result<Void, KafkaError>, Never> {
        Task { [self] in
            do throws(KafkaError) {
                try await publish(classified, producer: producer)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    /// Writes a classified batch's outputs and enqueues them (not waiting for acknowledgements).
    private func publish(
        _ classified: BatchClassifier.ClassifiedBatch, producer: KafkaProducer
    ) async throws(KafkaError) {
        let messages = classified.prepared.inputs
        let result = batchClassifier.outputs(of: classified)
        record(result, of: classified)
        for (input, output) in zip(messages, result.outputs) {
            let token = tracker.withLock { $0.register(input, output: output) }
            try await produce(output, token: token, producer: producer)
        }
    }

    /// Counts and logs one classified batch and its outputs (`result`): with at-least-once when
    /// they are enqueued, with exactly-once once their transaction committed (a batch redone
    /// after an abort counts once).
    private func record(_ result: BatchClassifier.Result, of classified: BatchClassifier.ClassifiedBatch) {
        let messages = classified.prepared.inputs
        var perPartition: [KafkaTopicPartition: Int] = [:]
        for message in messages { perPartition[message.topicPartition, default: 0] += 1 }
        for (partition, count) in perPartition { metrics.consumed(count, from: partition) }
        let classifier = classified.prepared.classifier
        metrics.batchSize.record(messages.count)
        metrics.batchDuration.record(duration: result.classificationTime)
        metrics.itemsClassified.increment(by: result.classifiedCount)
        for (index, kind) in result.deadLetterKinds.sorted(by: { $0.key < $1.key }) {
            metrics.deadLetter(kind: kind)
            let input = messages[index]
            logger.info(
                "dead letter",
                metadata: [
                    "kafka.topic": "\(input.topic)", "kafka.partition": "\(input.partition)",
                    "kafka.offset": "\(input.offset)", "error.kind": "\(kind)",
                ])
        }
        if logger.logLevel <= .debug {
            logger.debug(
                "batch classified",
                metadata: [
                    "batch.size": "\(messages.count)", "model.digest": "\(classifier.digest)",
                    "batch.duration_ms": "\(result.classificationTime.wholeMilliseconds)",
                ])
        }
    }

    /// Enqueues `message`, waiting for room while librdkafka's queue is full. A dead letter the
    /// client refuses as too large is enqueued again without its value.
    private func produce(
        _ message: KafkaProducerMessage, token: UInt64, producer: KafkaProducer
    ) async throws(KafkaError) {
        var message = message
        while true {
            do {
                try producer.produce(message, token: token)
                return
            } catch let error where error.code == .queueFull {
                try? await Task.sleep(for: .milliseconds(5))
            } catch let error where error.code == .messageSizeTooLarge {
                guard let smaller = withoutValue(message, error: error) else { throw error }
                message = smaller
                tracker.withLock { $0.replaceOutput(token: token, with: smaller) }
            }
        }
    }

    /// A dead letter whose original value does not fit the producer or broker limits, re-sent
    /// with a null value and a header saying so (`newsclf.error.value_dropped`); `nil` for a
    /// label (which is small and never too large) or one already without a value.
    private func withoutValue(_ message: KafkaProducerMessage, error: KafkaError) -> KafkaProducerMessage? {
        guard message.topic == configuration.deadLetterTopic, message.value != nil else { return nil }
        var smaller = message
        let size = message.value?.count ?? 0
        smaller.value = nil
        smaller.headers.append(
            KafkaHeader(name: MessageHeaders.valueDropped, string: "\(size) bytes: \(error.name)"))
        logger.warning(
            "dead letter too large for the broker; sent without its value",
            metadata: ["kafka.topic": "\(message.topic)", "bytes": "\(size)"])
        return smaller
    }

    private func handleDeliveryReport(_ report: KafkaDeliveryReport, producer: KafkaProducer) async {
        switch report.result {
        case .success:
            guard let entry = tracker.withLock({ $0.acknowledge(token: report.token) }) else { return }
            metrics.outputsPublished.increment()
            if let timestamp = entry.timestamp {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                metrics.endToEndLatency.recordMilliseconds(max(0, now - timestamp.millisecondsSinceEpoch))
            }
        case .failure(let error):
            guard let entry = tracker.withLock({ $0.pendingOutput(token: report.token) }) else { return }
            if error.code == .purgeQueue || error.code == .purgeInflight || error.code == .destroy {
                return  // the producer is closing; the input stays uncommitted
            }
            logger.warning(
                "output delivery failed; producing it again",
                metadata: [
                    "kafka.topic": "\(entry.partition.topic)", "kafka.partition": "\(entry.partition.partition)",
                    "kafka.offset": "\(entry.offset)", "error": "\(error)",
                ])
            var message = entry.message
            if error.code == .messageSizeTooLarge {
                guard let smaller = withoutValue(message, error: error) else {
                    deliveryFailure.withLock { $0 = $0 ?? error }
                    return
                }
                message = smaller
                tracker.withLock { $0.replaceOutput(token: report.token, with: smaller) }
            }
            do {
                try await produce(message, token: report.token, producer: producer)
            } catch {
                deliveryFailure.withLock { $0 = $0 ?? error }
            }
        }
    }

    /// Stores the offsets that advanced; auto-commit sends them.
    private func storeCommittableOffsets(_ consumer: KafkaConsumer) {
        let offsets = tracker.withLock { $0.takeCommittableOffsets() }
        guard !offsets.isEmpty else { return }
        do {
            try consumer.storeOffsets(offsets)
        } catch {
            logger.warning("cannot store offsets", metadata: ["error": "\(error)"])
        }
    }

    /// Pauses the assignment above `max_in_flight` unanswered inputs, resumes below half of it.
    private func applyBackpressure(
        _ consumer: KafkaConsumer, paused: inout [KafkaTopicPartition]
    ) throws(KafkaError) {
        let inFlight = tracker.withLock { $0.inFlightCount }
        if paused.isEmpty && inFlight >= configuration.maxInFlight {
            paused = try consumer.assignment()
            try consumer.pause(paused)
            logger.info("in-flight limit reached; partitions paused", metadata: ["in_flight": "\(inFlight)"])
        } else if !paused.isEmpty && inFlight <= configuration.maxInFlight / 2 {
            try consumer.resume(paused)
            paused = []
            logger.debug("partitions resumed", metadata: ["in_flight": "\(inFlight)"])
        }
    }

    /// Finishes the in-flight work of revoked partitions and commits their offsets before the
    /// next poll releases them; a lost partition is forgotten without a commit.
    private func release(
        _ partitions: [KafkaTopicPartition], lost: Bool, consumer: KafkaConsumer,
        producer: KafkaProducer
    ) async {
        if !lost {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: configuration.drainTimeout)
            try? await producer.flush(timeout: configuration.drainTimeout)
            while tracker.withLock({ $0.inFlightCount(of: partitions) }) > 0 && clock.now < deadline {
                health.heartbeat()  // waiting, within the bounded drain timeout
                try? await Task.sleep(for: .milliseconds(5))
            }
            let offsets = tracker.withLock { $0.takeCommittableOffsets() }
            let owned = Set(partitions)
            let revokedOffsets = offsets.filter { owned.contains($0.topicPartition) }
            do {
                try consumer.storeOffsets(offsets)
                try await consumer.commit(revokedOffsets)
            } catch {
                // The mock cluster and noida-db refuse commits during an eager rebalance
                // (KAFKA-TESTING.md); the next owner then redoes these inputs (at-least-once).
                logger.info(
                    "commit on revocation failed; the next owner may redo some inputs",
                    metadata: ["error": "\(error)"])
            }
        }
        let dropped = tracker.withLock { $0.forget(partitions) }
        logger.info(
            lost ? "partitions lost" : "partitions revoked",
            metadata: [
                "kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))",
                "unanswered": "\(dropped)",
            ])
    }

    private func drainAtLeastOnce(consumer: KafkaConsumer, producer: KafkaProducer, clean: Bool) async {
        health.setReady(false, reason: "draining")
        notify { try $0.stopping() }
        logger.info("draining", metadata: ["in_flight": "\(tracker.withLock { $0.inFlightCount })"])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.drainTimeout)
        try? await producer.flush(timeout: configuration.drainTimeout)
        while tracker.withLock({ $0.inFlightCount }) > 0 && clock.now < deadline
            && deliveryFailure.withLock({ $0 }) == nil
        {
            health.heartbeat()  // waiting, within the bounded drain timeout
            try? await Task.sleep(for: .milliseconds(5))
        }
        storeCommittableOffsets(consumer)
        // librdkafka retries a refused commit itself, but gives up on some errors (a timed-out
        // request, a coordinator still moving): retry those until the drain deadline.
        while true {
            do {
                try await consumer.commitStoredOffsets()
                break
            } catch let error where error.isRetriable && clock.now < deadline {
                logger.info("final commit refused; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200))
            } catch {
                logger.warning("final commit failed", metadata: ["error": "\(error)"])
                break
            }
        }
        do {
            try await consumer.close()
        } catch {
            logger.warning("leaving the group failed", metadata: ["error": "\(error)"])
        }
        let unanswered = tracker.withLock { $0.inFlightCount }
        await producer.close(timeout: .seconds(1))
        logger.info(
            clean ? "worker stopped" : "worker stopped after an error",
            metadata: ["unanswered": "\(unanswered)"])
    }

    // MARK: - Exactly-once

    private func initTransactions(_ producer: KafkaProducer) async throws(KafkaError) {
        var attempt = 0
        while true {
            do {
                try await producer.initTransactions(timeout: Self.transactionTimeout)
                return
            } catch let error where error.isRetriable && attempt < 5 {
                attempt += 1
                logger.warning("init transactions failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    private func runExactlyOnce(
        consumer: KafkaConsumer, producer: KafkaProducer
    ) async throws(KafkaError) {
        var failure: KafkaError?
        // A two-stage pipeline: while batch n's transaction runs (mostly broker round trips:
        // produce, send offsets, commit), batch n + 1 is polled, decoded, tokenized and
        // classified. Transactions stay one at a time and in batch order; batch n + 1's outputs
        // are written once transaction n committed. When transaction n aborts, batch n + 1 is
        // dropped unsent and the partitions of both are rewound to their first records, so the
        // next poll redoes both. After a rebalance event, and once a stop is requested, the loop
        // finishes the transaction before it polls again, so a revocation is released with no
        // transaction open.
        var ahead: Task<Result<PreparedPoll, KafkaError>, Never>? = pollAhead(consumer)
        var committing: (task: Task<Result<TransactionOutcome, KafkaError>, Never>, inputs: [KafkaConsumerMessage])?
        do throws(KafkaError) {
            while let fetching = ahead {
                ahead = nil
                let (batch, prepared) = try await fetching.value.get()
                health.heartbeat()
                logEvents(batch.events)
                let stopping = isStopRequested
                let rebalanced = batch.changesAssignment
                let classified = prepared.map { batchClassifier.classify($0) }
                if let previous = committing {
                    committing = nil
                    if try await previous.task.value.get() == .aborted {
                        try await rewind(previous.inputs + batch.messages, consumer: consumer)
                        if !stopping && !isStopRequested { ahead = pollAhead(consumer) }
                        continue
                    }
                }
                if !stopping && !rebalanced { ahead = pollAhead(consumer) }
                if let classified {
                    let task = transaction(
                        classified, batchClassifier.outputs(of: classified), consumer: consumer, producer: producer)
                    committing = (task, batch.messages)
                }
                if stopping || rebalanced, let current = committing {
                    committing = nil
                    if try await current.task.value.get() == .aborted {
                        try await rewind(current.inputs, consumer: consumer)
                    }
                }
                if !stopping && ahead == nil && !isStopRequested { ahead = pollAhead(consumer) }
            }
        } catch {
            failure = error
        }
        // A transaction still running is part of the drain; a poll still running after an
        // error: let it end before the consumer closes (its records are not committed).
        if let current = committing, case .failure(let error) = await current.task.value, failure == nil {
            failure = error
        }
        _ = await ahead?.value
        health.setReady(false, reason: "draining")
        notify { try $0.stopping() }
        do {
            try await consumer.close()
        } catch {
            logger.warning("leaving the group failed", metadata: ["error": "\(error)"])
        }
        await producer.close(timeout: .seconds(1))
        logger.info(failure == nil ? "worker stopped" : "worker stopped after an error")
        if let failure { throw failure }
    }

    /// How a batch's transaction ended (a fatal error, or a failed abort, is the task's failure
    /// instead).
    private enum TransactionOutcome {
        case committed
        /// Aborted after a non-fatal error; the batch is to be redone (``rewind(_:consumer:)``).
        case aborted
    }

    /// Runs one batch's transaction in a task of its own: begin, produce `result`'s outputs,
    /// send the offsets after the batch's inputs with the group metadata, commit, then count the
    /// batch (``record(_:of:)``); after a non-fatal error the transaction is aborted
    /// (``TransactionOutcome/aborted``).
    private func transaction(
        _ classified: BatchClassifier.ClassifiedBatch, _ result: BatchClassifier.Result, consumer: KafkaConsumer,
        producer: KafkaProducer
    ) -> Task<Result<TransactionOutcome, KafkaError>, Never> {
        Task { [self] in
            do throws(KafkaError) {
                let outcome = try await runTransaction(
                    result.outputs, for: classified.prepared.inputs, consumer: consumer, producer: producer)
                if outcome == .committed { record(result, of: classified) }
                return .success(outcome)
            } catch {
                return .failure(error)
            }
        }
    }

    private func runTransaction(
        _ outputs: [KafkaProducerMessage], for messages: [KafkaConsumerMessage], consumer: KafkaConsumer,
        producer: KafkaProducer
    ) async throws(KafkaError) -> TransactionOutcome {
        var outputs = outputs
        do throws(KafkaError) {
            try producer.beginTransaction()
            var reports = await producer.send(outputs)
            // Dead letters too large for the broker go again without their value.
            for (index, report) in reports.enumerated() where report.error?.code == .messageSizeTooLarge {
                if let smaller = withoutValue(outputs[index], error: report.error!) {
                    outputs[index] = smaller
                    reports[index] = (await producer.send([smaller]))[0]
                }
            }
            if let failed = reports.first(where: { !$0.isDelivered }), let error = failed.error {
                var abortable = error
                abortable.transactionRequiresAbort = true
                throw abortable
            }
            let transaction = transactionCount.add(1, ordering: .relaxed).oldValue
            try await transactionTestHook?.body(transaction)
            try await producer.sendOffsetsToTransaction(
                KafkaTopicPartitionOffset.nextOffsets(after: messages),
                groupMetadata: try consumer.groupMetadata(), timeout: Self.transactionTimeout)
            try await commitTransaction(producer)
            metrics.outputsPublished.increment(by: outputs.count)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for message in messages {
                if let timestamp = message.timestamp {
                    metrics.endToEndLatency.recordMilliseconds(max(0, now - timestamp.millisecondsSinceEpoch))
                }
            }
            return .committed
        } catch let error where !error.isFatal {
            logger.warning(
                "transaction failed; aborting and redoing the batch",
                metadata: ["error": "\(error)", "batch.size": "\(messages.count)"])
            try await producer.abortTransaction(timeout: Self.transactionTimeout)
            return .aborted
        }
    }

    /// Seeks every partition of `messages` back to its first record among them, so that the next
    /// poll delivers them again. The partitions are still assigned (a revocation is released
    /// only by the next poll), so a seek that keeps failing would leave inputs behind that a later
    /// transaction's offsets skip: after three tries the error ends ``run()``, and the restart
    /// starts from the committed offsets.
    /// - Throws: ``KafkaError`` from the last failed seek.
    private func rewind(_ messages: [KafkaConsumerMessage], consumer: KafkaConsumer) async throws(KafkaError) {
        var first: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            first[message.topicPartition] = min(first[message.topicPartition] ?? .max, message.offset)
        }
        let rewind = first.map {
            KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value)
        }
        var attempt = 1
        while true {
            do {
                try await consumer.seek(rewind, timeout: .seconds(10))
                return
            } catch where attempt < 3 {
                logger.warning("rewind after abort failed; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                attempt += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private func commitTransaction(_ producer: KafkaProducer) async throws(KafkaError) {
        var attempt = 0
        while true {
            do {
                try await producer.commitTransaction(timeout: Self.transactionTimeout)
                return
            } catch let error where error.isRetriable && !error.transactionRequiresAbort && attempt < 5 {
                attempt += 1
            }
        }
    }

    // MARK: - Shared

    /// Waits up to ``idlePollTimeout`` for a first record, then up to `batch_max_wait_ms` to
    /// fill the batch. A revocation ends the batch.
    private func pollBatch(_ consumer: KafkaConsumer) async throws(KafkaError) -> KafkaConsumerBatch {
        var batch = try await consumer.poll(maxMessages: 1, timeout: Self.idlePollTimeout)
        guard configuration.batchMaxSize > 1, !batch.messages.isEmpty,
            batch.revokedPartitions.isEmpty
        else { return batch }
        let rest = try await consumer.poll(
            maxMessages: configuration.batchMaxSize - batch.messages.count,
            timeout: configuration.batchMaxWait)
        batch.messages += rest.messages
        batch.events += rest.events
        return batch
    }

    private func logEvents(_ events: [KafkaConsumerEvent]) {
        for event in events {
            switch event {
            case .partitionsAssigned, .partitionsRevoked:
                break  // the consumer logs assignments; revocations are logged when released
            case .error(let error):
                logger.warning("Kafka error", metadata: ["error": "\(error)"])
            case .offsetsCommitted(let offsets, let error?):
                logger.info(
                    "commit failed", metadata: ["error": "\(error)", "offsets": "\(offsets.count)"])
            case .offsetsCommitted, .partitionEOF:
                break
            }
        }
    }

    /// The lag of each assigned partition, in records: high watermark − position (what
    /// ``ConsumerLagReporter`` publishes as `newsclf_consumer_lag`). Empty while ``run()`` is not
    /// running or nothing is assigned; a partition whose position or watermarks cannot be read
    /// (within 2 s) is left out.
    public func consumerLag() async -> [KafkaTopicPartition: Int64] {
        guard let consumer = runningConsumer.withLock({ $0 }), let assignment = try? consumer.assignment(),
            !assignment.isEmpty, let positions = try? consumer.positions(assignment)
        else { return [:] }
        var lag: [KafkaTopicPartition: Int64] = [:]
        for partition in assignment {
            guard let position = positions[partition],
                let watermarks = try? await consumer.watermarks(
                    topic: partition.topic, partition: partition.partition, timeout: .seconds(2))
            else { continue }
            lag[partition] = max(0, watermarks.high - position)
        }
        return lag
    }

    private func notify(_ body: (SystemdNotifier) throws -> Void) {
        do {
            try body(notifier)
        } catch {
            logger.warning("systemd notification failed", metadata: ["error": "\(error)"])
        }
    }
}
