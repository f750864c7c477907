import Classification
import Foundation
import Kafka
import Logging
import Synchronization

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
/// offset only over inputs whose outputs are all acknowledged, and the worker commits those
/// offsets every `commit_interval_ms` (default 1 s; 0: after every batch). A failed delivery is
/// produced again (a dead letter too large for the broker is re-sent without its value, see
/// ``WorkerOutput``). With more than `max_in_flight` unanswered inputs the worker pauses its
/// partitions and keeps polling (heartbeats, rebalances) until half of them are answered. On a
/// revocation it waits for the revoked partitions' outputs, commits their offsets, and forgets
/// them, so nothing is committed for a partition it no longer owns; a commit refused during the
/// rebalance is sent again once the partitions are assigned to it again; a *lost* partition is
/// forgotten at once. The decisions are ``AtLeastOnceStateMachine``'s, performed by
/// ``AtLeastOncePipeline``.
///
/// **Exactly-once.** Each batch is one transaction: begin, produce the outputs, send the
/// batch's next offsets with the consumer's group metadata, commit. While one batch's
/// transaction runs, the next batch is polled, decoded, tokenized and classified; transactions
/// stay one at a time, in batch order. A non-fatal error aborts the transaction and seeks the
/// partitions of that batch and of the one classified behind it back to their first offsets
/// (the second is dropped unsent), so the next poll redoes both; a fatal one (fenced by a newer
/// instance with the same `transactional_id`) ends ``run()`` with the error
/// (``ExactlyOnceStateMachine``, ``ExactlyOncePipeline``).
///
/// **Readiness.** While it runs, ``ReadinessMonitor`` re-checks that the cluster answers
/// metadata, the three topics exist and the consumer joined its group, and sets ``health``
/// (`/readyz` 503 with the reason, a warning at a bounded rate); systemd hears `READY=1` the
/// first time all hold. Brokers that stay unreachable, or a topic that stays missing, for
/// `startup_timeout_ms` after the start stop the worker and make ``run()`` throw; later
/// outages are waited out (only `/readyz` turns red).
///
/// **Stopping.** ``requestStop()`` (SIGTERM/SIGINT): the loop stops fetching, finishes the batch
/// in flight (and one already polled), waits for its outputs (at most `drain_timeout_ms`; with
/// exactly-once, for its transaction, bounded by the transaction timeout), commits, then leaves
/// the group and returns. A stop that could not commit every answered offset logs
/// `worker stopped; offsets not committed` at warning, with the partitions
/// (``lastDrainReport``). **Reloading.** ``reloadModel()`` (SIGHUP) swaps the model between batches.
public final class ClassificationWorker: Sendable {
    /// The settings.
    public let configuration: WorkerConfiguration
    /// The model serving, and its reload.
    public let models: ModelStore
    /// Readiness and liveness for `/readyz`, `/healthz`.
    public let health: WorkerHealth
    /// The metrics this worker emits.
    public let metrics: WorkerMetrics
    /// The shadow model (`shadow_model`), classified off the output path; `nil`: none.
    public let shadowModels: ShadowModelStore?
    private let shadowQueueCapacity: Int
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let batchClassifier: BatchClassifier
    private let stopRequested = Atomic<Bool>(false)
    /// The consumer while ``run()`` runs (for ``consumerLag()``).
    private let runningConsumer = Mutex<KafkaConsumer?>(nil)
    private let drainReport = Mutex<DrainReport?>(nil)
    /// Fault injection for exactly-once tests; `nil` in production.
    private let transactionTestHook: TransactionTestHook?

    /// - Parameters:
    ///   - configuration: the resolved settings (bootstrap servers must be set).
    ///   - models: the loaded model.
    ///   - metrics: where metrics go (share it with ``ModelStore``).
    ///   - health: updated as the worker starts, serves and drains.
    ///   - notifier: systemd notifications (`READY=1`, `RELOADING=1`, `STOPPING=1`).
    ///   - logger: the worker's log; payloads only at `debug`.
    ///   - transactionTestHook: exactly-once fault injection for tests (``TransactionTestHook``).
    ///   - shadowModels: the shadow model of `shadow_model` (``ShadowEvaluator``); `nil`: none.
    ///   - shadowQueueCapacity: the most batches waiting for the shadow before one is dropped.
    public init(
        configuration: WorkerConfiguration, models: ModelStore, metrics: WorkerMetrics = WorkerMetrics(),
        health: WorkerHealth = WorkerHealth(), notifier: SystemdNotifier = SystemdNotifier(),
        logger: Logger = Logger(label: "newsclf.worker"), transactionTestHook: TransactionTestHook? = nil,
        shadowModels: ShadowModelStore? = nil, shadowQueueCapacity: Int = 4
    ) {
        self.transactionTestHook = transactionTestHook
        self.shadowModels = shadowModels
        self.shadowQueueCapacity = shadowQueueCapacity
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
            threadCount: configuration.processingGuarantee == .atLeastOnce ? 1 : configuration.inferenceThreads,
            abstainPolicy: configuration.abstainPolicy, reviewTopic: configuration.reviewTopic)
    }

    /// Asks ``run()`` to drain and return, and marks the worker not ready (`/readyz`: "draining")
    /// at once, while the batch in flight finishes. Safe from any thread (a signal handler's
    /// queue).
    public func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        health.beginDraining()
    }

    /// Whether ``requestStop()`` was called.
    public var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// What the last drain of ``run()`` left (at-least-once: answered offsets it could not
    /// commit; exactly-once commits in its transactions and reports none); `nil` before a run
    /// ended.
    public var lastDrainReport: DrainReport? { drainReport.withLock { $0 } }

    /// Reloads the model (SIGHUP): tells systemd `RELOADING=1`, loads and validates the checkpoint
    /// the configured path points to now, swaps it in (the next batch uses it) or keeps the old
    /// one, re-resolves the shadow model's path likewise (``ShadowModelStore/reload()``), then
    /// tells systemd `READY=1`.
    ///
    /// - Returns: the served model's outcome (the shadow's is logged and counted).
    @discardableResult
    public func reloadModel() -> ModelReloadOutcome {
        notify { try $0.reloading() }
        let outcome = models.reload()
        shadowModels?.reload()
        notify { try $0.ready(status: "serving model \(self.models.current.digest)") }
        return outcome
    }

    /// The consumer lag of each assigned partition: its high watermark − this worker's position
    /// (records not read yet); empty when not running. For the lag reporter
    /// (``WorkerMetrics/lag(_:of:)``).
    public func consumerLag() async -> [KafkaTopicPartition: Int64] {
        guard let consumer = runningConsumer.withLock({ $0 }),
            let assignment = try? consumer.assignment(), !assignment.isEmpty,
            let positions = try? consumer.positions(assignment)
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

    /// Runs until ``requestStop()`` (returns after draining) or a fatal Kafka error (throws).
    ///
    /// - Throws: ``KafkaError`` when a client cannot be created, the subscription fails, the
    ///   worker was not ready within `startup_timeout_ms` (brokers unreachable: their error's
    ///   code; a topic missing: ``KafkaError/Code/unknownTopicOrPartition`` naming it), the
    ///   consumer or the transactional producer hits a fatal error, or an output cannot be
    ///   produced at all (its input is then not committed; a restart redoes it).
    public func run() async throws(KafkaError) {
        var consumerConfiguration = configuration.consumerConfiguration
        // The at-least-once pipeline commits the answered offsets itself (commit_interval_ms, on
        // revocation, before leaving), so that it sees every refusal; exactly-once commits them
        // in its transactions.
        consumerConfiguration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        let producer = try KafkaProducer(
            configuration: configuration.producerConfiguration, logger: logger)
        if configuration.processingGuarantee == .exactlyOnce {
            try await ExactlyOncePipeline.initTransactions(producer, logger: logger)
        }
        let admin = try KafkaAdminClient(configuration: configuration.adminConfiguration, logger: logger)
        try consumer.subscribe(topics: [configuration.inputTopic])
        logger.info("subscribed", metadata: ["kafka.topic": "\(configuration.inputTopic)"])
        runningConsumer.withLock { $0 = consumer }
        defer { runningConsumer.withLock { $0 = nil } }
        health.heartbeat()
        // Readiness (and READY=1) once the cluster answered, the topics exist and the group was
        // joined; a start that outlasts startup_timeout_ms stops the worker with the reason.
        let startupFailure = Mutex<NotReadyReason?>(nil)
        let readiness = readinessMonitor(admin: admin, consumer: consumer)
        let readinessTask = Task { [self] in
            guard let reason = await readiness.run() else { return }
            startupFailure.withLock { $0 = reason }
            stopRequested.store(true, ordering: .releasing)
        }
        defer { readinessTask.cancel() }
        logger.info(
            "worker started",
            metadata: [
                "kafka.topic": "\(configuration.inputTopic)", "kafka.group": "\(configuration.groupID)",
                "model.digest": "\(models.current.digest)",
                "processing_guarantee": "\(configuration.processingGuarantee.rawValue)",
            ])
        let shadow = try makeShadowEvaluator()
        shadow?.start()
        let context = PipelineContext(
            configuration: configuration, consumer: consumer, producer: producer, models: models,
            batchClassifier: batchClassifier, metrics: metrics, health: health, logger: logger, shadow: shadow,
            isStopRequested: { [self] in isStopRequested },
            drainStarted: { [self] in
                health.beginDraining()
                notify { try $0.stopping() }
            })
        let report: DrainReport
        let failure: KafkaError?
        switch configuration.processingGuarantee {
        case .atLeastOnce:
            (report, failure) = await AtLeastOncePipeline(context: context).run()
        case .exactlyOnce:
            failure = await ExactlyOncePipeline(context: context, transactionTestHook: transactionTestHook).run()
            report = DrainReport(unanswered: 0, uncommittedPartitions: [])
        }
        // Committed first (above), then the group is left.
        do {
            try await consumer.close()
        } catch {
            logger.warning("leaving the group failed", metadata: ["error": "\(error)"])
        }
        await producer.close(timeout: .seconds(1))
        await shadow?.finish()
        drainReport.withLock { $0 = report }
        let metadata: Logger.Metadata = [
            "unanswered": "\(report.unanswered)",
            "kafka.partitions": "\(report.uncommittedPartitions.map(\.description).joined(separator: ","))",
        ]
        if !report.uncommittedPartitions.isEmpty {
            logger.warning("worker stopped; offsets not committed", metadata: metadata)
        } else if failure != nil {
            logger.info("worker stopped after an error", metadata: ["unanswered": "\(report.unanswered)"])
        } else {
            logger.info("worker stopped", metadata: ["unanswered": "\(report.unanswered)"])
        }
        if let failure { throw failure }
        if let reason = startupFailure.withLock({ $0 }) {
            throw reason.startupError(timeout: configuration.startupTimeout)
        }
    }

    /// The shadow evaluator of a run, with its own producer when `shadow_topic` is set
    /// (idempotent, never transactional: the shadow's labels are not part of the pipeline's
    /// transactions or offset decisions).
    private func makeShadowEvaluator() throws(KafkaError) -> ShadowEvaluator? {
        guard let shadowModels else { return nil }
        var producer: KafkaProducer?
        if configuration.shadowTopic != nil {
            var producerConfiguration = configuration.producerConfiguration
            producerConfiguration.transactionalID = nil
            producerConfiguration.clientID = "newsclf-worker-\(configuration.instance)-shadow"
            producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        }
        return ShadowEvaluator(
            models: shadowModels, sampleRate: configuration.shadowSampleRate, queueCapacity: shadowQueueCapacity,
            shadowTopic: configuration.shadowTopic, abstainPolicy: configuration.abstainPolicy,
            maxMessageBytes: configuration.maxMessageBytes, producer: producer,
            logger: logger)
    }

    /// The readiness checks of a run: metadata from `admin`, the group membership of `consumer`.
    private func readinessMonitor(admin: KafkaAdminClient, consumer: KafkaConsumer) -> ReadinessMonitor {
        let check = ReadinessCheck(configuration)
        let topics = check.topicNames
        return ReadinessMonitor(
            check: check, startupTimeout: configuration.startupTimeout,
            metadata: { timeout in
                do throws(KafkaError) {
                    return .success(try await admin.metadata(topics: topics, timeout: timeout))
                } catch {
                    return .failure(error)
                }
            },
            hasJoinedGroup: { consumer.hasJoinedGroup },
            isDraining: { [self] in isStopRequested },
            health: health, logger: logger,
            becameReady: { [self] in
                notify { try $0.ready(status: "consuming \(self.configuration.inputTopic)") }
            })
    }

    private func notify(_ body: (SystemdNotifier) throws -> Void) {
        do {
            try body(notifier)
        } catch {
            logger.warning("systemd notification failed", metadata: ["error": "\(error)"])
        }
    }
}
