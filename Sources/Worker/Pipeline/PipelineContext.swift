import Classification
import Foundation
import Kafka
import Logging

/// What both pipelines work with: the clients, the settings, the model, the batch steps, and the
/// observability (metrics, health, log). Polling a batch ahead, logging consumer events and
/// counting a classified batch are the same for both guarantees.
struct PipelineContext: Sendable {
    let configuration: WorkerConfiguration
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let models: ModelStore
    let batchClassifier: BatchClassifier
    let metrics: WorkerMetrics
    let health: WorkerHealth
    let logger: Logger
    /// The shadow model's evaluator (`shadow_model`), fed each counted batch; `nil`: none.
    let shadow: ShadowEvaluator?
    /// Whether ``ClassificationWorker/requestStop()`` was called.
    let isStopRequested: @Sendable () -> Bool
    /// Called once when the loop stops polling and the drain begins (readiness, `STOPPING=1`).
    let drainStarted: @Sendable () -> Void

    /// How long an idle poll waits for the first record of a batch.
    static let idlePollTimeout: Duration = .milliseconds(100)
    /// How long transaction calls may take.
    static let transactionTimeout: Duration = .seconds(30)

    /// A polled batch, decoded and tokenized (`nil` when it has no records).
    typealias PreparedPoll = (batch: KafkaConsumerBatch, prepared: BatchClassifier.PreparedBatch?)

    /// Polls the next batch and prepares it, in a task of its own.
    func pollAhead() -> Task<Result<PreparedPoll, KafkaError>, Never> {
        Task {
            do throws(KafkaError) {
                let batch = try await pollBatch()
                let prepared = batch.messages.isEmpty
                    ? nil : batchClassifier.prepare(batch.messages, with: models.current)
                return .success((batch, prepared))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Waits up to ``idlePollTimeout`` for a first record, then up to `batch_max_wait_ms` to
    /// fill the batch. A revocation ends the batch.
    func pollBatch() async throws(KafkaError) -> KafkaConsumerBatch {
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

    /// Logs a batch's errors and failed commits (the consumer logs assignments; revocations are
    /// logged when released).
    func logEvents(_ events: [KafkaConsumerEvent]) {
        for event in events {
            switch event {
            case .error(let error):
                logger.warning("Kafka error", metadata: ["error": "\(error)"])
            case .offsetsCommitted(let offsets, let error?):
                logger.info("commit failed", metadata: ["error": "\(error)", "offsets": "\(offsets.count)"])
            case .partitionsAssigned, .partitionsRevoked, .offsetsCommitted, .partitionEOF:
                break
            }
        }
    }

    /// Counts and logs one classified batch and its outputs (`result`), and offers it to the
    /// shadow model: with at-least-once when they are enqueued, with exactly-once once their
    /// transaction committed (a batch redone after an abort counts once).
    func record(_ result: BatchClassifier.Result, of classified: BatchClassifier.ClassifiedBatch) {
        let messages = classified.prepared.inputs
        var perPartition: [KafkaTopicPartition: Int] = [:]
        for message in messages { perPartition[message.topicPartition, default: 0] += 1 }
        for (partition, count) in perPartition { metrics.consumed(count, from: partition) }
        metrics.batchSize.record(messages.count)
        metrics.batchDuration.record(duration: result.classificationTime)
        metrics.itemsClassified.increment(by: result.classifiedCount)
        var abstainedByLabel: [String: Int] = [:]
        for label in result.abstainedLabels.values { abstainedByLabel[label, default: 0] += 1 }
        for (label, count) in abstainedByLabel.sorted(by: { $0.key < $1.key }) {
            metrics.abstained(label: label, count: count)
        }
        if let shadow {
            let predictions = classified.predictions
            shadow.submit(
                inputs: messages,
                served: predictions.indices.map { result.deadLetterKinds[$0] == nil ? predictions[$0]?.label : nil })
        }
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
                    "batch.size": "\(messages.count)", "model.digest": "\(classified.prepared.classifier.digest)",
                    "batch.duration_ms": "\(result.classificationTime.wholeMilliseconds)",
                ])
        }
    }

    /// Records the end-to-end latency of an input answered now (from its record timestamp).
    func recordLatency(of timestamp: KafkaTimestamp?) {
        guard let timestamp else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        metrics.endToEndLatency.recordMilliseconds(max(0, now - timestamp.millisecondsSinceEpoch))
    }

    /// Logs a dead letter sent again without its value.
    func logValueDropped(_ message: KafkaProducerMessage, bytes: Int) {
        logger.warning(
            "dead letter too large for the broker; sent without its value",
            metadata: ["kafka.topic": "\(message.topic)", "bytes": "\(bytes)"])
    }
}
