import Kafka
import Logging
import Synchronization

/// Performs what ``AtLeastOnceStateMachine`` decides: polls ahead, classifies, enqueues outputs,
/// reads delivery reports, commits, pauses and resumes, releases revocations, drains. The
/// machine sits behind a lock shared with the publishing task and the delivery-report task; every
/// action is performed outside the lock.
final class AtLeastOncePipeline: Sendable {
    private let context: PipelineContext
    private let machine: Mutex<AtLeastOnceStateMachine>

    init(context: PipelineContext) {
        self.context = context
        self.machine = Mutex(
            AtLeastOnceStateMachine(
                configuration: .init(
                    maxInFlight: context.configuration.maxInFlight,
                    commitInterval: context.configuration.commitInterval,
                    deadLetterTopic: context.configuration.deadLetterTopic,
                    reviewTopic: context.configuration.reviewTopic)))
    }

    /// The loop's stages in flight (owned by ``run()``'s task).
    private struct Stages {
        var ahead: Task<Result<PipelineContext.PreparedPoll, KafkaError>, Never>?
        var publishing: Task<Result<Void, KafkaError>, Never>?
        var commit: Task<Void, Never>?
        var current: PipelineContext.PreparedPoll?
        var classified: BatchClassifier.ClassifiedBatch?
        var drainDeadline: ContinuousClock.Instant?
        var finished = false
    }

    /// Runs until a stop is requested (then drains) or an error; returns what the drain left and
    /// the error, if any.
    func run() async -> (report: DrainReport, failure: KafkaError?) {
        let reportTask = Task { [self] in
            for await report in context.producer.deliveryReports { await handle(report) }
        }
        let clock = ContinuousClock()
        var stages = Stages()
        var failure: KafkaError?
        do throws(KafkaError) {
            try await perform(machine.withLock { $0.started(now: clock.now) }, &stages)
            while let fetching = stages.ahead {
                stages.ahead = nil
                let polled = try await fetching.value.get()
                context.health.heartbeat()
                context.logEvents(polled.batch.events)
                for (partition, count) in machine.withLock({ $0.replayed(polled.batch.messages) }) {
                    context.metrics.replayed(count, from: partition)
                }
                stages.current = polled
                let stop = context.isStopRequested()
                try await perform(
                    machine.withLock {
                        $0.batchPolled(polled.batch, hasRecords: polled.prepared != nil, stopRequested: stop, now: clock.now)
                    }, &stages)
                stages.current = nil
                let stopNow = context.isStopRequested()
                try await perform(machine.withLock { $0.batchHandled(stopRequested: stopNow, now: clock.now) }, &stages)
            }
        } catch {
            failure = error
        }
        // Outputs still being enqueued are part of the drain; a poll still running after an error
        // ends before the consumer closes (its records are not answered, so not committed).
        _ = await stages.ahead?.value
        stages.ahead = nil
        stages.drainDeadline = clock.now.advanced(by: context.configuration.drainTimeout)
        context.drainStarted()
        do throws(KafkaError) {
            try await perform(machine.withLock { $0.pollingEnded() }, &stages)
        } catch {
            failure = failure ?? error
        }
        reportTask.cancel()
        return (machine.withLock { $0.report }, failure)
    }

    /// Performs `actions` in order, and the follow-ups of the events they cause.
    private func perform(_ actions: [AtLeastOnceStateMachine.Action], _ stages: inout Stages) async throws(KafkaError) {
        let clock = ContinuousClock()
        for action in actions {
            switch action {
            case .poll:
                stages.ahead = context.pollAhead()
            case .classify:
                stages.classified = stages.current?.prepared.map { context.batchClassifier.classify($0) }
            case .awaitPublish:
                if let publishing = stages.publishing {
                    stages.publishing = nil
                    let result = await publishing.value
                    machine.withLock { $0.publishFinished() }
                    try result.get()
                }
            case .publish:
                if let classified = stages.classified {
                    stages.classified = nil
                    stages.publishing = Task { [self] in
                        do throws(KafkaError) {
                            try await publish(classified)
                            return .success(())
                        } catch {
                            return .failure(error)
                        }
                    }
                }
            case .pause(let partitions):
                try context.consumer.pause(partitions)
                context.logger.info(
                    "in-flight limit reached; partitions paused",
                    metadata: ["in_flight": "\(machine.withLock { $0.tracker.inFlightCount })"])
            case .resume(let partitions):
                try? context.consumer.resume(partitions)
                context.logger.debug("partitions resumed")
            case .awaitOutputs(let partitions):
                let deadline = stages.drainDeadline ?? clock.now.advanced(by: context.configuration.drainTimeout)
                if partitions == nil {
                    context.logger.info(
                        "draining", metadata: ["in_flight": "\(machine.withLock { $0.tracker.inFlightCount })"])
                }
                try? await context.producer.flush(timeout: clock.now.duration(to: deadline))
                await DrainWait.wait(until: deadline, health: context.health) {
                    machine.withLock { machine in
                        machine.failure != nil
                            || (partitions.map { machine.tracker.inFlightCount(of: $0) } ?? machine.tracker.inFlightCount) == 0
                    }
                }
                // A commit in flight ends first: refused, it puts its offsets back, and they go
                // with this revocation's or this stop's commit.
                if let running = stages.commit {
                    stages.commit = nil
                    await running.value
                }
                try await perform(machine.withLock { $0.outputsDrained(of: partitions) }, &stages)
            case .commit(let offsets, let reason):
                try await commit(offsets, reason: reason, &stages)
            case .forgot(let partitions, let lost, let unanswered):
                context.logger.info(
                    lost ? "partitions lost" : "partitions revoked",
                    metadata: [
                        "kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))",
                        "unanswered": "\(unanswered)",
                    ])
            case .pollUntilRebalanceSettles:
                await stages.commit?.value
                let deadline = stages.drainDeadline ?? clock.now.advanced(by: context.configuration.drainTimeout)
                context.logger.info("final commit refused during a rebalance; waiting for it to settle")
                while machine.withLock({ $0.isAwaitingRebalance }) && clock.now < deadline {
                    context.health.heartbeat()
                    guard let batch = try? await context.consumer.poll(maxMessages: 1, timeout: .milliseconds(100))
                    else { break }
                    try await perform(machine.withLock { $0.drainPolled(batch) }, &stages)
                }
                stages.finished = true
            case .fail(let error):
                throw error
            case .finish:
                await stages.commit?.value
                stages.finished = true
            }
        }
    }

    /// Commits `offsets`: in the background at the commit interval (one at a time), else now,
    /// retried until the drain deadline while the coordinator is only busy.
    private func commit(
        _ offsets: [KafkaTopicPartitionOffset], reason: AtLeastOnceStateMachine.CommitReason, _ stages: inout Stages
    ) async throws(KafkaError) {
        let clock = ContinuousClock()
        let consumer = context.consumer
        if reason == .interval || (reason == .rebalanceSettled && stages.drainDeadline == nil) {
            await stages.commit?.value  // one at a time, in order
            stages.commit = Task { [self] in
                var failure: KafkaError?
                do throws(KafkaError) { try await consumer.commit(offsets) } catch { failure = error }
                if let failure {
                    context.logger.info("commit refused; sent again later", metadata: ["error": "\(failure)"])
                }
                _ = machine.withLock { $0.commitFinished(offsets, reason: reason, error: failure, now: clock.now) }
            }
            return
        }
        await stages.commit?.value
        stages.commit = nil
        let deadline = stages.drainDeadline ?? clock.now.advanced(by: context.configuration.drainTimeout)
        var failure: KafkaError?
        do {
            try await RetryPolicy.commit(until: deadline).run("commit", logger: context.logger) { () throws(KafkaError) in
                try await consumer.commit(offsets)
            }
        } catch {
            failure = error
            switch reason {
            case .revocation:
                // The mock cluster and noida-db refuse commits during an eager rebalance
                // (KAFKA-TESTING.md): sent again if the partitions come back.
                context.logger.info(
                    "commit on revocation refused; sent again if the partitions are assigned again",
                    metadata: ["error": "\(error)"])
            default:
                context.logger.warning("final commit failed", metadata: ["error": "\(error)"])
            }
        }
        try await perform(
            machine.withLock { $0.commitFinished(offsets, reason: reason, error: failure, now: clock.now) }, &stages)
    }

    /// Writes a classified batch's outputs and enqueues them (not waiting for acknowledgements).
    private func publish(_ classified: BatchClassifier.ClassifiedBatch) async throws(KafkaError) {
        let result = context.batchClassifier.outputs(of: classified)
        context.record(result, of: classified)
        for (index, (input, output)) in zip(classified.prepared.inputs, result.outputs).enumerated() {
            // A label and, for an abstained item, its review copy: the input is answered when both
            // are acknowledged.
            let outputs = result.reviewCopies[index].map { [output, $0] } ?? [output]
            // An input this worker answered before the partition left it is not answered twice.
            guard let tokens = machine.withLock({ $0.registerUnlessAnswered(input, outputs: outputs) }) else { continue }
            for (output, token) in zip(outputs, tokens) {
                try await produce(output, token: token)
            }
        }
    }

    /// Enqueues `message`, waiting for room while librdkafka's queue is full; a dead letter the
    /// client refuses as too large goes again without its value.
    private func produce(_ message: KafkaProducerMessage, token: UInt64) async throws(KafkaError) {
        var message = message
        while true {
            do {
                try await RetryPolicy.queueFull.run("produce", logger: context.logger) { () throws(KafkaError) in
                    try context.producer.produce(message, token: token)
                }
                return
            } catch where error.code == .messageSizeTooLarge {
                guard case .produceAgain(let entry, _, let bytes) = machine.withLock({ $0.tooLarge(token: token, error: error) })
                else { throw error }
                context.logValueDropped(entry.message, bytes: bytes ?? 0)
                message = entry.message
            }
        }
    }

    private func handleFailure(_ error: KafkaError) {
        machine.withLock { $0.produceFailed(error) }
    }

    private func handle(_ report: KafkaDeliveryReport) async {
        switch machine.withLock({ $0.deliveryReported(token: report.token, result: report.result) }) {
        case .none, .ignore, .fail:
            return
        case .delivered(let entry):
            context.metrics.outputsPublished.increment()
            // An input's latency once: at its label or dead letter, not at its review copy.
            if entry.message.topic != context.configuration.reviewTopic { context.recordLatency(of: entry.timestamp) }
        case .produceAgain(let entry, let token, let droppedBytes):
            context.logger.warning(
                "output delivery failed; producing it again",
                metadata: [
                    "kafka.topic": "\(entry.partition.topic)", "kafka.partition": "\(entry.partition.partition)",
                    "kafka.offset": "\(entry.offset)", "error": "\(report.error.map { "\($0)" } ?? "")",
                ])
            if let droppedBytes { context.logValueDropped(entry.message, bytes: droppedBytes) }
            do {
                try await produce(entry.message, token: token)
            } catch {
                handleFailure(error)
            }
        }
    }
}
