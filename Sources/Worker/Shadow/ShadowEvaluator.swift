import Classification
import Foundation
import Kafka
import Logging
import Synchronization
import WireFormat

/// Classifies the worker's batches a second time with the shadow model, off the output path
/// (issue 15 item 3; README "Shadow evaluation").
///
/// The batch loop hands each counted batch to ``submit(inputs:served:)``, which only takes a lock:
/// ``ShadowSampler`` admits a `shadow_sample_rate` share of the batches, and an admitted one waits
/// in a bounded ``ShadowQueue``; when the shadow falls behind and the queue is full the batch is
/// dropped and counted (`newsclf_shadow_dropped_batches_total`), so the labels never wait for the
/// shadow. A thread of its own, at the lowest CPU priority (nice 19), takes the batches in order, tokenizes them with the shadow
/// model's own preprocessing, classifies them (one engine thread), counts the agreement with the
/// labels the worker published (``ShadowAgreement``, reset when another shadow model loads) and,
/// with `shadow_topic`, publishes the shadow's labels in the output schema with the header
/// `newsclf.shadow: true` through a producer of its own (never the pipeline's: its delivery reports
/// decide which input offsets are committed). A shadow failure is counted and logged; it never
/// changes a published label.
public final class ShadowEvaluator: Sendable {
    /// A batch to classify again: the inputs and, per input, the label the worker published
    /// (`nil` for a dead letter).
    struct Batch: Sendable {
        var inputs: [KafkaConsumerMessage]
        var served: [String?]
    }

    private struct State: Sendable {
        var sampler: ShadowSampler
        var queue: ShadowQueue<Batch>
        var agreement = ShadowAgreement()
        var agreementDigest: String?
        var isFinishing = false
        var hasExited = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The shadow model.
    public let models: ShadowModelStore
    private let batchClassifier: BatchClassifier
    private let producer: KafkaProducer?
    private let logger: Logger
    private let state: Mutex<State>
    private let work = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    private let deliveryTask: Task<Void, Never>?

    /// - Parameters:
    ///   - models: the shadow model store (its metrics are this evaluator's).
    ///   - sampleRate: `shadow_sample_rate`, in (0, 1].
    ///   - queueCapacity: the most batches waiting for the shadow (default 4).
    ///   - shadowTopic: `shadow_topic`; `nil`: the shadow's labels are not published.
    ///   - abstainPolicy: the worker's rule, so that a shadow label is marked as the served one
    ///     would be.
    ///   - maxMessageBytes: the worker's `max_message_bytes` (inputs above it are not compared).
    ///   - producer: the shadow's own producer (idempotent, not transactional); required when
    ///     `shadowTopic` is set.
    ///   - logger: failures, at a bounded rate of one line per batch.
    public init(
        models: ShadowModelStore, sampleRate: Double, queueCapacity: Int = 4, shadowTopic: String?,
        abstainPolicy: AbstainPolicy = .off, maxMessageBytes: Int, producer: KafkaProducer?,
        logger: Logger = Logger(label: "newsclf.worker.shadow")
    ) {
        self.models = models
        self.batchClassifier = BatchClassifier(
            outputTopic: shadowTopic ?? "", deadLetterTopic: "", maxMessageBytes: maxMessageBytes,
            threadCount: 1, abstainPolicy: abstainPolicy)
        self.producer = shadowTopic == nil ? nil : producer
        self.logger = logger
        self.state = Mutex(State(sampler: ShadowSampler(rate: sampleRate), queue: ShadowQueue(capacity: queueCapacity)))
        let metrics = models.metrics
        if let producer = self.producer {
            deliveryTask = Task {
                for await report in producer.deliveryReports {
                    if report.isDelivered {
                        metrics.outputsPublished.increment()
                    } else {
                        metrics.failed("publish")
                    }
                }
            }
        } else {
            deliveryTask = nil
        }
    }

    /// Starts the shadow's thread (once).
    public func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            runLoop()
        }
        thread.start()
    }

    /// Offers a counted batch: `inputs` and, per input, the label published (`nil`: a dead
    /// letter). Never blocks on the shadow: a batch the sampler skips is ignored, one that finds
    /// the queue full is dropped and counted.
    public func submit(inputs: [KafkaConsumerMessage], served: [String?]) {
        precondition(inputs.count == served.count, "one served label per input")
        guard !inputs.isEmpty else { return }
        let enqueued: Bool? = state.withLock { state in
            guard !state.isFinishing, state.sampler.admits() else { return nil }
            return state.queue.enqueue(Batch(inputs: inputs, served: served))
        }
        switch enqueued {
        case true?: work.signal()
        case false?: models.metrics.droppedBatches.increment()
        case nil: break
        }
    }

    /// The agreement counted since the shadow model now loaded was loaded.
    public var agreement: ShadowAgreement { state.withLock { $0.agreement } }

    /// Classifies the batches still queued, stops the thread, and flushes the shadow's labels
    /// (at most `timeout`).
    public func finish(timeout: Duration = .seconds(5)) async {
        let wasStarted = started.load(ordering: .acquiring)
        state.withLock { $0.isFinishing = true }
        work.signal()
        if wasStarted {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.hasExited { return true }
                    state.exitWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        if let producer {
            await producer.close(timeout: timeout)
            await deliveryTask?.value
        }
    }

    /// The shadow thread's nice value: the lowest priority, so that on CPUs the serving path
    /// keeps busy the scheduler gives the shadow what is left (Linux CFS weight 15 against 1024
    /// at nice 0) and its queue drops batches, instead of the shadow taking a core from the labels.
    static let threadNiceness: Int32 = 19

    private func runLoop() {
        #if os(Linux)
            // Named from inside, through /proc/thread-self (Linux 3.17+; Foundation's `Thread.name`
            // does not reach the OS thread here), so that `top -H` and /proc show it.
            try? "newsclf shadow".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            // On Linux the nice value is per thread, and `who` 0 is the calling thread
            // (setpriority(2), "BUGS"): this lowers the shadow's thread only.
            if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.threadNiceness) != 0 {
                logger.warning("cannot lower the shadow thread's priority", metadata: ["errno": "\(errno)"])
            }
        #endif
        while true {
            work.wait()
            while let batch = state.withLock({ $0.queue.dequeue() }) {
                evaluate(batch)
            }
            if state.withLock({ $0.isFinishing && $0.queue.count == 0 }) { break }
        }
        let waiters = state.withLock { state in
            state.hasExited = true
            defer { state.exitWaiters = [] }
            return state.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Classifies one batch with the shadow model, counts the agreement, publishes the labels.
    func evaluate(_ batch: Batch) {
        guard let shadow = models.current else { return }
        let metrics = models.metrics
        let classified = batchClassifier.classify(batchClassifier.prepare(batch.inputs, with: shadow))
        metrics.batchDuration.record(duration: classified.classificationTime)
        let predictions = classified.predictions
        let shadowLabels = predictions.map { $0?.label }
        let refused = zip(batch.served, predictions).filter { $0.0 != nil && $0.1 == nil }.count
        if refused > 0 {
            metrics.failed("classify", count: refused)
            logger.warning(
                "the shadow model gave no label to inputs the served model labelled",
                metadata: ["count": "\(refused)", "shadow.digest": "\(shadow.digest)"])
        }
        let (pairs, agreement) = state.withLock { state in
            if state.agreementDigest != shadow.digest {
                state.agreement = ShadowAgreement()
                state.agreementDigest = shadow.digest
            }
            let pairs = state.agreement.add(served: batch.served, shadow: shadowLabels)
            return (pairs, state.agreement)
        }
        metrics.compared(pairs, agreement: agreement)
        guard let producer else { return }
        let result = batchClassifier.outputs(of: classified)
        var failures = 0
        for (index, output) in result.outputs.enumerated() where result.deadLetterKinds[index] == nil {
            var record = output
            record.headers.append(KafkaHeader(name: MessageHeaders.shadow, string: "true"))
            do throws(KafkaError) {
                try producer.produce(record, token: 0)
            } catch {
                failures += 1
            }
        }
        if failures > 0 {
            metrics.failed("publish", count: failures)
            logger.warning("shadow labels not enqueued", metadata: ["count": "\(failures)"])
        }
    }
}
