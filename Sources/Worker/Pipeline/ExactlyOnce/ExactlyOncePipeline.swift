import Foundation
import Kafka
import Logging
import Synchronization

/// Performs what ``ExactlyOnceStateMachine`` decides: polls ahead, classifies, runs one
/// transaction per batch (begin, produce, send offsets, commit; abort after a non-fatal error),
/// rewinds aborted batches, drains. A fatal error (fenced by a newer instance with the same
/// `transactional_id`) ends the run with it.
final class ExactlyOncePipeline: Sendable {
    private let context: PipelineContext
    private let transactionTestHook: TransactionTestHook?
    /// Transactions begun since start (the test hook's argument).
    private let transactionCount = Atomic<Int>(0)
    private let machine = Mutex(ExactlyOnceStateMachine())

    init(context: PipelineContext, transactionTestHook: TransactionTestHook?) {
        self.context = context
        self.transactionTestHook = transactionTestHook
    }

    /// How a batch's transaction ended (a fatal error, or a failed abort, is the task's failure
    /// instead).
    enum TransactionOutcome: Sendable {
        case committed
        /// Aborted after a non-fatal error; the batch is to be redone.
        case aborted
    }

    private struct Stages {
        var ahead: Task<Result<PipelineContext.PreparedPoll, KafkaError>, Never>?
        var transaction: Task<Result<TransactionOutcome, KafkaError>, Never>?
        var current: PipelineContext.PreparedPoll?
        var classified: BatchClassifier.ClassifiedBatch?
    }

    /// `initTransactions`, retried (``RetryPolicy/initTransactions``).
    static func initTransactions(_ producer: KafkaProducer, logger: Logger) async throws(KafkaError) {
        try await RetryPolicy.initTransactions.run("init transactions", logger: logger) { () throws(KafkaError) in
            try await producer.initTransactions(timeout: PipelineContext.transactionTimeout)
        }
    }

    /// Runs until a stop is requested (then finishes the transaction running and leaves) or an
    /// error; returns the error, if any.
    func run() async -> KafkaError? {
        var stages = Stages()
        var failure: KafkaError?
        do throws(KafkaError) {
            try await perform(machine.withLock { $0.started() }, &stages)
            while let fetching = stages.ahead {
                stages.ahead = nil
                let polled = try await fetching.value.get()
                context.health.heartbeat()
                context.logEvents(polled.batch.events)
                stages.current = polled
                let stop = context.isStopRequested()
                try await perform(machine.withLock { $0.batchPolled(polled.batch, stopRequested: stop) }, &stages)
                stages.current = nil
            }
        } catch {
            failure = error
        }
        // A transaction still running is part of the drain; a poll still running after an
        // error: let it end before the consumer closes (its records are not committed).
        _ = await stages.ahead?.value
        stages.ahead = nil
        context.drainStarted()
        do throws(KafkaError) {
            try await perform(machine.withLock { $0.pollingEnded() }, &stages)
        } catch {
            failure = failure ?? error
        }
        return failure
    }

    private func perform(_ actions: [ExactlyOnceStateMachine.Action], _ stages: inout Stages) async throws(KafkaError) {
        for action in actions {
            switch action {
            case .poll:
                stages.ahead = context.pollAhead()
            case .classify:
                stages.classified = stages.current?.prepared.map { context.batchClassifier.classify($0) }
            case .awaitTransaction:
                guard let running = stages.transaction else { continue }
                stages.transaction = nil
                let outcome = try await running.value.get()
                let stop = context.isStopRequested()
                try await perform(
                    machine.withLock { $0.transactionFinished(committed: outcome == .committed, stopRequested: stop) },
                    &stages)
            case .runTransaction:
                guard let classified = stages.classified else { continue }
                stages.classified = nil
                let result = context.batchClassifier.outputs(of: classified)
                stages.transaction = Task { [self] in
                    do throws(KafkaError) {
                        // The review copies go in the same transaction as the labels.
                        let outputs = result.outputs + result.reviewCopies.sorted { $0.key < $1.key }.map(\.value)
                        let outcome = try await runTransaction(outputs, for: classified.prepared.inputs)
                        if outcome == .committed { context.record(result, of: classified) }
                        return .success(outcome)
                    } catch {
                        return .failure(error)
                    }
                }
            case .dropClassified:
                stages.classified = nil
            case .rewind(let offsets):
                try await RetryPolicy.rewind.run("rewind after abort", logger: context.logger) { () throws(KafkaError) in
                    try await context.consumer.seek(offsets, timeout: .seconds(10))
                }
            case .finish:
                break
            }
        }
    }

    /// Begin, produce `outputs`, send the offsets after `messages` with the group metadata,
    /// commit; after a non-fatal error, abort (``TransactionOutcome/aborted``).
    private func runTransaction(
        _ outputs: [KafkaProducerMessage], for messages: [KafkaConsumerMessage]
    ) async throws(KafkaError) -> TransactionOutcome {
        let producer = context.producer
        var outputs = outputs
        do throws(KafkaError) {
            try producer.beginTransaction()
            var reports = await producer.send(outputs)
            // Dead letters too large for the broker go again without their value.
            for (index, report) in reports.enumerated() where report.error?.code == .messageSizeTooLarge {
                if let smaller = WorkerOutput.withoutValue(
                    outputs[index], deadLetterTopic: context.configuration.deadLetterTopic,
                    reviewTopic: context.configuration.reviewTopic, error: report.error!)
                {
                    context.logValueDropped(smaller, bytes: outputs[index].value?.count ?? 0)
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
                groupMetadata: try context.consumer.groupMetadata(), timeout: PipelineContext.transactionTimeout)
            try await RetryPolicy.commitTransaction.run("commit transaction", logger: context.logger) {
                () throws(KafkaError) in
                try await producer.commitTransaction(timeout: PipelineContext.transactionTimeout)
            }
            context.metrics.outputsPublished.increment(by: outputs.count)
            for message in messages { context.recordLatency(of: message.timestamp) }
            return .committed
        } catch let error where !error.isFatal {
            context.logger.warning(
                "transaction failed; aborting and redoing the batch",
                metadata: ["error": "\(error)", "batch.size": "\(messages.count)"])
            try await producer.abortTransaction(timeout: PipelineContext.transactionTimeout)
            return .aborted
        }
    }
}
