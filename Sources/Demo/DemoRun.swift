import Classification
import Foundation
import Kafka
import Logging
import StreamHarness
import Synchronization
import TextPipeline

/// One run of the demo: starts the broker (or uses an external one), creates the topics, starts
/// `newsclf-worker` as a child process, publishes the items (with the malformed inputs mixed in),
/// reads every label and dead letter back, stops the worker with SIGTERM and checks its committed
/// offsets; then compares the labels with the model run in process.
public struct DemoRun: Sendable {
    /// The settings.
    public let configuration: DemoConfiguration
    private let console: DemoConsole
    private let logger: Logger

    /// Warm-up items answered before the clock starts: both consumer groups have joined and the
    /// model is warm, so the figures measure the stream, not the group join (about 3 s on the
    /// mock cluster).
    public static let warmUpCount = 8

    /// - Parameters:
    ///   - configuration: the settings.
    ///   - console: where progress and setup lines go.
    ///   - logger: librdkafka's log lines of the demo's own clients.
    public init(configuration: DemoConfiguration, console: DemoConsole, logger: Logger) {
        self.configuration = configuration
        self.console = console
        self.logger = logger
    }

    /// Runs the demo.
    /// - Returns: the result (check ``DemoResult/isSuccess``).
    /// - Throws: ``DemoError`` when the run cannot be carried out (unreadable data, no worker, the
    ///   broker failing, the worker not getting ready).
    public func run() async throws(DemoError) -> DemoResult {
        let configuration = self.configuration
        let items = try loadItems()
        let classifier: TextClassifier
        do {
            classifier = try TextClassifier(directory: configuration.model)
        } catch {
            throw .invalidSetting("--model \(configuration.model.path)", error.description)
        }
        guard FileManager.default.isExecutableFile(atPath: configuration.workerExecutable.path) else {
            throw .workerDidNotStart(configuration.workerExecutable.path, "no such executable (build it, or pass --worker PATH)")
        }
        let malformed = configuration.includesMalformedInput
            ? MalformedInput.catalog(idPrefix: "\(configuration.runID)/", oversizeBytes: configuration.oversizeMessageBytes)
            : []
        let stream = ItemStream(runID: configuration.runID, items: items, malformedInputs: malformed)

        // The broker and the topics.
        let broker = try await DemoBroker.prepare(configuration, logger: logger)
        defer { broker.stop() }
        console.line(broker.summary)
        let bootstrapServers = broker.bootstrapServers
        let clientProperties = broker.clientProperties
        let partitions = try await broker.partitions(of: configuration.inputTopic, logger: logger)
        console.line(
            "topics: \(configuration.inputTopic) → \(configuration.outputTopic), dead letters \(configuration.deadLetterTopic) "
                + "(\(partitions.count) partitions); run id \(configuration.runID)")

        // The output reader, then the worker.
        var collectorConfiguration = KafkaConsumerConfiguration(
            bootstrapServers: [bootstrapServers], groupID: configuration.collectorGroupID)
        collectorConfiguration.properties = clientProperties
        let collector: LabelCollector
        do {
            collector = try LabelCollector(
                configuration: collectorConfiguration, topics: [configuration.outputTopic, configuration.deadLetterTopic],
                logger: logger)
        } catch {
            throw .kafka("starting the output reader", error.description)
        }
        let port = try WorkerProcess.freeLoopbackPort()
        var workerArguments = [
            "--bootstrap-servers", bootstrapServers, "--group-id", configuration.workerGroupID,
            "--input-topic", configuration.inputTopic, "--output-topic", configuration.outputTopic,
            "--dead-letter-topic", configuration.deadLetterTopic, "--model", configuration.model.path,
            "--max-message-bytes", String(configuration.workerMaxMessageBytes),
        ]
        for (name, value) in clientProperties.sorted(by: { $0.key < $1.key }) { workerArguments += ["--kafka", "\(name)=\(value)"] }
        let readyStart = ContinuousClock.now
        let worker = try WorkerProcess(
            executable: configuration.workerExecutable, arguments: workerArguments, metricsAddress: "127.0.0.1:\(port)",
            environment: ProcessInfo.processInfo.environment, logFile: configuration.workerLog)
        let interruptGuard = await InterruptGuard(childPID: worker.processIdentifier)
        defer { interruptGuard.cancel() }
        do {
            try await worker.waitUntilReady(timeout: .seconds(60))
        } catch {
            worker.kill()
            await collector.stop()
            throw error
        }
        let readySeconds = (ContinuousClock.now - readyStart) / .seconds(1)
        console.line(
            "worker: \(configuration.workerExecutable.path) (pid \(worker.processIdentifier)), model \(classifier.name) "
                + "\(classifier.digest.prefix(19))…, /readyz 200 after \(String(format: "%.1f", readySeconds)) s; log \(configuration.workerLog.path)")

        let producer: KafkaProducer
        do {
            var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])
            producerConfiguration.properties = configuration.kafkaProperties
            producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        } catch {
            worker.kill()
            await collector.stop()
            throw .kafka("starting the producer", error.description)
        }

        // Warm-up, then the stream.
        do {
            try await warmUp(items: items, collector: collector, worker: worker, producer: producer, classCount: classifier.labels.count)
        } catch {
            worker.kill()
            await collector.stop()
            await producer.close()
            throw error
        }
        console.line(
            "streaming \(items.count) items from \(configuration.dataFile.lastPathComponent)"
                + (malformed.isEmpty ? "" : " with \(malformed.count) malformed messages mixed in")
                + (configuration.rate.map { String(format: ", at most %.0f messages/s", $0) } ?? ", as fast as the producer takes them"))
        let (tally, publishOutcome, answered) = await publishAndCollect(
            stream, producer: producer, collector: collector, worker: worker, classCount: classifier.labels.count)

        // Shutdown: SIGTERM, wait for the exit, read everything the worker wrote, check offsets.
        let exit = await worker.stop(gracePeriod: .seconds(60))
        var finalTally = tally
        let caughtUp = (try? await collector.catchUp(timeout: .seconds(30))) ?? false
        for arrival in collector.takeArrivals() {
            finalTally.record(arrival.message, receivedAt: arrival.at - publishOutcome.origin, classCount: classifier.labels.count)
        }
        await collector.stop()
        await producer.close()
        var offsets: [ShutdownReport.PartitionOffsets] = []
        var offsetsError: String?
        var offsetsConfiguration = KafkaConsumerConfiguration(bootstrapServers: [bootstrapServers], groupID: configuration.workerGroupID)
        offsetsConfiguration.properties = configuration.kafkaProperties
        do {
            offsets = try await ShutdownReport.offsets(
                topic: configuration.inputTopic, partitions: partitions, groupID: configuration.workerGroupID,
                configuration: offsetsConfiguration, logger: logger)
        } catch {
            offsetsError = error.description
        }

        let report = StreamReport(
            tally: finalTally, trueLabels: items.map(\.label), sentAt: publishOutcome.itemSentAt,
            classCount: classifier.labels.count)
        var agreement: ModelAgreement?
        if configuration.checksAgainstModel {
            do {
                let predictions = try ModelAgreement.predictions(of: classifier, texts: items.map(\.text))
                agreement = ModelAgreement(
                    workerPredictions: report.predictions, modelPredictions: predictions, trueLabels: items.map(\.label),
                    classCount: classifier.labels.count)
            } catch {
                console.line("in-process check skipped: \(error)")
            }
        }
        return DemoResult(
            configuration: configuration, bootstrapServers: bootstrapServers, stream: stream,
            modelName: classifier.name, modelDigest: classifier.digest, labels: classifier.labels, report: report,
            publishFailures: publishOutcome.failures.map { "\($0.error)" }, answeredInTime: answered,
            readAllOutputs: caughtUp,
            shutdown: ShutdownReport(exit: exit, inputTopic: configuration.inputTopic, offsets: offsets),
            offsetsError: offsetsError, agreement: agreement)
    }

    private func loadItems() throws(DemoError) -> [NewsItem] {
        var items: [NewsItem]
        do {
            items = try AGNewsReader.read(contentsOf: configuration.dataFile)
        } catch {
            throw .unreadableData(configuration.dataFile.path, error.description)
        }
        if let limit = configuration.limit {
            guard limit >= 1 else { throw .invalidSetting("--limit", "must be at least 1, got \(limit)") }
            items = Array(items.prefix(limit))
        }
        return items
    }

    /// Publishes ``warmUpCount`` items with their own id prefix and waits for their labels.
    private func warmUp(
        items: [NewsItem], collector: LabelCollector, worker: WorkerProcess, producer: KafkaProducer, classCount: Int
    ) async throws(DemoError) {
        guard await collector.waitForAssignment(timeout: .seconds(60)) else {
            throw .warmUpFailed("the output reader got no partitions within 60 s (\(collector.error.map { "\($0)" } ?? "no error"))")
        }
        let warmStream = ItemStream(
            runID: "\(configuration.runID)-warm-up", items: Array(items.prefix(Self.warmUpCount)), malformedInputs: [])
        var tally = OutputTally(stream: warmStream, outputTopic: configuration.outputTopic, deadLetterTopic: configuration.deadLetterTopic)
        let start = ContinuousClock.now
        let failures = await producer.send(warmStream.order.map { warmStream.message(for: $0, topic: configuration.inputTopic) })
            .compactMap(\.error)
        guard failures.isEmpty else { throw .kafka("publishing the warm-up items", "\(failures[0])") }
        let answered = await LabelCollector.wait(for: .seconds(120)) {
            for arrival in collector.takeArrivals() {
                tally.record(arrival.message, receivedAt: arrival.at - start, classCount: classCount)
            }
            return tally.isAnswered || !worker.isRunning || collector.error != nil
        }
        guard answered, tally.isAnswered else {
            throw .warmUpFailed(
                "\(tally.labelledCount) of \(warmStream.items.count) warm-up items answered"
                    + (worker.isRunning ? " within 120 s" : "; the worker exited (log: \(configuration.workerLog.path))"))
        }
        console.line(
            String(format: "warm-up: %d items answered in %.1f s (consumer groups joined, model warm)",
                   warmStream.items.count, (ContinuousClock.now - start) / .seconds(1)))
    }

    /// Publishes the stream while reading the answers, with progress.
    private func publishAndCollect(
        _ stream: ItemStream, producer: KafkaProducer, collector: LabelCollector, worker: WorkerProcess, classCount: Int
    ) async -> (OutputTally, PublishResult, Bool) {
        var tally = OutputTally(stream: stream, outputTopic: configuration.outputTopic, deadLetterTopic: configuration.deadLetterTopic)
        let origin = ContinuousClock.now
        let sentCount = SentCounter()
        let topic = configuration.inputTopic
        let rate = configuration.rate
        let publisher = ItemPublisher(producer: producer)
        let publishing = Task {
            await publisher.publish(stream, topic: topic, origin: origin, rate: rate) { sentCount.set($0) }
        }
        let total = stream.order.count
        var progress = ProgressDisplay(total: total, style: console.progressStyle)
        let deadline = origin.advanced(by: configuration.answerTimeout)
        var answered = false
        while ContinuousClock.now < deadline {
            for arrival in collector.takeArrivals() {
                tally.record(arrival.message, receivedAt: arrival.at - origin, classCount: classCount)
            }
            let done = tally.answeredItemCount + tally.deadLetteredCount
            if let text = progress.update(done: done, sent: sentCount.value, elapsed: ContinuousClock.now - origin) {
                console.write(text)
            }
            if tally.isAnswered {
                answered = true
                break
            }
            if !worker.isRunning || collector.error != nil { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        console.write(progress.finish)
        let outcome = await publishing.value
        // Per item row (the stream order interleaves the malformed inputs).
        var itemSentAt = [Duration?](repeating: nil, count: stream.items.count)
        for (position, member) in stream.order.enumerated() {
            if case .item(let row) = member { itemSentAt[row] = outcome.sentAt[position] }
        }
        return (tally, PublishResult(origin: origin, itemSentAt: itemSentAt, failures: outcome.failures), answered)
    }
}

/// What publishing the stream left for the report.
struct PublishResult: Sendable {
    var origin: ContinuousClock.Instant
    var itemSentAt: [Duration?]
    var failures: [(position: Int, error: KafkaError)]
}

/// The number of messages handed to the producer so far, read by the progress display.
final class SentCounter: Sendable {
    private let count = Mutex(0)
    func set(_ value: Int) { count.withLock { $0 = value } }
    var value: Int { count.withLock { $0 } }
}
