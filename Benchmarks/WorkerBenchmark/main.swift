// End-to-end speed of the worker (issue 5): AG News test items through an in-process
// `ClassificationWorker` on librdkafka's mock cluster, side by side with the model alone.
//
//   scripts/bench-worker [--batch-sizes 64,256] [--items N] [--timeout-s S] [--inference-threads T]
//                        [--rounds R] [--rate ITEMS_PER_S] [--model DIR] [--exactly-once]
//
// Per batch size: a fresh mock cluster (1 broker, 4 partitions per topic), the worker serving the
// shipped model (models/agnews-gru, or `--model DIR`; at-least-once unless `--exactly-once`,
// batch_max_wait_ms 5), an
// output reader in its own consumer group, all in this process. A few warm-up items go through
// first, so that the worker and the reader have joined their groups and the model is warm. Then
// `--rounds` rounds (default 5): the model alone, then the whole burst of items (`{"id": …,
// "text": …}`, messages written beforehand) handed to a producer at once, every label read back;
// the model alone once more after the last round.
//
// Figures (medians over the rounds; this machine's speed drifts by ±15 % from one second to the
// next, so one round proves little):
// - end-to-end items/s: item count / (burst handed to the producer → last label received);
// - latency p50 / p99: each item's hand-over to the producer → its label received (the burst
//   arrives at once, so this is mostly queueing: how long the n-th item waits for the items
//   before it);
// - model-only items/s: `TextClassifier.encode` + `classify` on the same texts, consecutive
//   batches of the same size, same classifier instance;
// - ratio (target ≥ 0.80): per round, end-to-end / the mean of the model-only runs just before
//   and just after it; the median of those;
// - CPU use: process CPU time / (wall time × CPUs) during the burst and during the model-only
//   runs (1 = every core busy all along): what is left idle, next to the extra work;
// - accuracy of the labels read back against the true classes (with masked padding, the shipped
//   model's, a label does not depend on the batch, so this equals `newsclf eval`; a model with the
//   notebook's padding semantics can differ in the last digits, since the worker's batches are
//   formed per partition poll; the model-only accuracy at the same batch size is printed next to it).
//
// Broker, producer and reader share the machine's cores with the worker (on a real deployment
// they run elsewhere). What the harness can move out of the measured window, it does: input
// messages are written before the clock starts, and the labels are only stamped on arrival
// (in the reader's poll thread) and decoded and checked once as many records came back as items
// went in. Items are published, matched and checked as in `newsclf-demo` (Demo: ItemStream,
// LabelCollector, OutputTally, StreamReport with its nearest-rank latency percentiles).
//
// `--inference-threads T` sets the worker's `inference_threads` (default: the CPU count, as the
// worker; 1 is the worker's threading before that setting existed: one engine thread, OpenBLAS at
// its own default).
//
// `--exactly-once` runs the worker with `processing_guarantee = exactly_once` (one transaction
// per batch; the mock cluster commits transactions but does not store the offsets sent in them,
// which this benchmark does not read).
//
// `--rate R` (paced mode): instead of the burst, the items are handed to the producer at R items/s
// (below the worker's capacity), and the latency of each item is measured from its own hand-over
// to its label: produce → label latency at a steady load, without the queueing of a burst. Prints
// the achieved rate and latency p50 / p99 / max per batch size and round (no model-only
// comparison).
//
// `--shadow-model DIR [--shadow-sample-rate R]` (shadow cost, issue 15): per batch size,
// `--rounds` pairs of bursts, alternating a worker without a shadow and one with `shadow_model` DIR
// (each on a fresh cluster, warmed up as above); prints the medians of both, the median of the
// per-pair ratios (shadowed / plain), the share of batches the shadow classified and dropped, and
// its agreement with the served labels.
//
// Exits 1 when any item has no label, more than one, a dead letter, or the wait runs out.
import Classification
import ComputeRuntime
import Foundation
import Kafka
import Logging
import Metrics
import MetricsTestKit
import StreamHarness
import TextPipeline
import Worker

OpenBLASKernelSelection.reexecuteIfNeeded()

// MARK: Set-up

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func fail(_ message: String) -> Never {
    fflush(nil)  // stdout first, so the message follows the table
    FileHandle.standardError.write(Data("WorkerBenchmark: \(message)\n".utf8))
    exit(1)
}

let batchSizes = (option("--batch-sizes") ?? "64,256").split(separator: ",").compactMap { Int($0) }
let timeout = Duration.seconds(Int(option("--timeout-s") ?? "300") ?? 300)
let partitions: Int32 = 4
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let modelDirectory = option("--model").map { URL(fileURLWithPath: $0) }
    ?? packageRoot.appendingPathComponent("models/agnews-gru")
let testFile = packageRoot.appendingPathComponent("data/ag_news/test.csv.gz")

/// librdkafka's and the worker's logs, hidden unless `NEWSCLF_BENCH_LOG` names a swift-log level.
let quietLogger: Logger = {
    var logger = Logger(label: "worker-benchmark")
    logger.logLevel = ProcessInfo.processInfo.environment["NEWSCLF_BENCH_LOG"]
        .flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

let allItems: [NewsItem]
do {
    allItems = try AGNewsReader.read(contentsOf: testFile)
} catch {
    fail("cannot read \(testFile.path): \(error)")
}
let items = Array(allItems.prefix(Int(option("--items") ?? "") ?? allItems.count))
guard !items.isEmpty, !batchSizes.isEmpty, batchSizes.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
    fail("nothing to do: \(items.count) items, batch sizes \(batchSizes) (each 1...4096)")
}

/// `inference_threads` as the worker resolves it; its OpenBLAS setting is made before any model
/// runs, as `newsclf-worker` does.
let threading: WorkerConfiguration
let models: ModelStore
do {
    threading = try WorkerConfiguration.resolve(
        flags: ["bootstrap_servers": "unused:9092"].merging(option("--inference-threads").map { ["inference_threads": $0] } ?? [:]) { $1 },
        environment: [:], hostName: "bench-host")
    threading.configureBLASThreads()
    models = try ModelStore(
        path: modelDirectory.path, environment: [:], inferenceOptions: threading.inferenceOptions, logger: quietLogger)
} catch {
    fail("cannot load \(modelDirectory.path): \(error)")
}
let classifier = models.current

/// The worker's and the reader's consumer settings for the mock cluster
/// (``KafkaMockCluster/recommendedConsumerProperties``: 10 ms fetch wait, short group timers).
/// `--fetch-wait-ms 500` measures librdkafka's default fetch wait, which the mock waits out on
/// every hop where a real broker answers as soon as data arrives.
let mockConsumerProperties = KafkaMockCluster.recommendedConsumerProperties.merging(
    option("--fetch-wait-ms").map { ["fetch.wait.max.ms": $0] } ?? [:]) { $1 }

/// Bursts (or paced streams) per batch size through the same worker; figures are medians.
let rounds = max(1, Int(option("--rounds") ?? "5") ?? 5)

/// The worker's `processing_guarantee` (`--exactly-once`: transactions; the reader reads
/// committed records either way).
let guarantee: ProcessingGuarantee = arguments.contains("--exactly-once") ? .exactlyOnce : .atLeastOnce

/// Items per second handed to the producer in paced mode; `nil` for the burst.
let pacedRate = option("--rate").flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }

let cpuCount = ProcessInfo.processInfo.activeProcessorCount

/// User + system CPU time of this process so far (all threads: worker, broker, producer, reader).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

print("WorkerBenchmark: \(items.count) AG News test items (\(testFile.lastPathComponent)), model \(classifier.name) \(classifier.digest.prefix(12)), \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
let environment = ProcessInfo.processInfo.environment
print("OpenBLAS: \(BLAS.coreName), OPENBLAS_CORETYPE=\(environment["OPENBLAS_CORETYPE"] ?? "(unset)"), OPENBLAS_NUM_THREADS=\(environment["OPENBLAS_NUM_THREADS"] ?? "(unset: one per CPU)")")
print("inference_threads \(threading.inferenceThreads): engine threads \(threading.inferenceOptions.threadCount), OpenBLAS threads per call \(BLAS.threadCount)")
print("mock cluster: 1 broker, \(partitions) partitions per topic; worker: \(guarantee.rawValue.replacingOccurrences(of: "_", with: "-")), in process")

// MARK: Model only

struct ModelOnlyResult {
    var itemsPerSecond: Double
    var accuracy: Double
    /// As ``EndToEndResult/cpuUse``.
    var cpuUse: Double
}

/// `encode` + `classify` over all items in consecutive batches of `batchSize`.
func measureModelOnly(batchSize: Int) throws -> ModelOnlyResult {
    _ = try classifier.classify(items.prefix(batchSize).map { classifier.encode($0.text) })  // warm-up
    var correct = 0
    let cpuAtStart = processCPUSeconds()
    let clock = ContinuousClock()
    let elapsed = try clock.measure {
        for start in stride(from: 0, to: items.count, by: batchSize) {
            let batch = items[start..<min(start + batchSize, items.count)]
            let predictions = try classifier.classify(batch.map { classifier.encode($0.text) })
            correct += zip(batch, predictions).filter { $0.label == $1.labelID }.count
        }
    }
    return ModelOnlyResult(
        itemsPerSecond: Double(items.count) / seconds(elapsed), accuracy: Double(correct) / Double(items.count),
        cpuUse: (processCPUSeconds() - cpuAtStart) / seconds(elapsed) / Double(cpuCount))
}

// MARK: End to end

struct EndToEndResult {
    var itemsPerSecond: Double
    var latencyP50: Double
    var latencyP99: Double
    var latencyMax: Double
    /// Items per second handed to the producer (paced mode; the burst's is not meaningful).
    var inputRate: Double
    var accuracy: Double
    var seconds: Double
    /// Process CPU time over wall time × CPU count from the first hand-over until as many
    /// records came back as items went in (1 = every core busy all along).
    var cpuUse: Double
}

/// The items as the demo publishes them (`{"id": "<run>/<row>", "text": …}`), so that labels are
/// matched and checked by the same `OutputTally` / `StreamReport` as in `newsclf-demo`.
func benchStream(round: Int) -> ItemStream {
    ItemStream(runID: "bench-\(round)", items: items, malformedInputs: [])
}

/// Runs `rounds` bursts (or paced streams) of every item through one worker, calling
/// `beforeRound(round)` before each (the model-only measurement, while the worker idles).
func measureEndToEnd(
    batchSize: Int, rounds: Int, shadowModels: ShadowModelStore? = nil, shadowSampleRate: String = "1",
    beforeRound: (Int) async throws -> Void = { _ in }
) async throws -> [EndToEndResult] {
    let cluster = try KafkaMockCluster(brokerCount: 1, logger: quietLogger)
    defer { cluster.stop() }
    let configuration = try WorkerConfiguration.resolve(
        flags: [
            "bootstrap_servers": cluster.bootstrapServers, "group_id": "bench-worker-\(UUID().uuidString)",
            "metrics_address": "", "batch_max_size": String(batchSize), "drain_timeout_ms": "10000",
            "processing_guarantee": guarantee.rawValue, "transactional_id": "bench-worker-\(UUID().uuidString)",
        ].merging(shadowModels.map { ["shadow_model": $0.path, "shadow_sample_rate": shadowSampleRate] } ?? [:]) { $1 },
        kafkaFlags: mockConsumerProperties,
        environment: [:], hostName: "bench-host")
    try WorkerTopics(configuration, partitions: partitions).create(on: cluster)
    let worker = ClassificationWorker(
        configuration: configuration, models: models, notifier: SystemdNotifier(socketPath: nil), logger: quietLogger,
        shadowModels: shadowModels)
    let workerTask = Task { try await worker.run() }
    var readerConfiguration = KafkaConsumerConfiguration(
        bootstrapServers: [cluster.bootstrapServers], groupID: "bench-reader-\(UUID().uuidString)")
    readerConfiguration.properties = mockConsumerProperties
    let reader = try LabelCollector(
        configuration: readerConfiguration, topics: [configuration.outputTopic, configuration.deadLetterTopic],
        logger: quietLogger)

    var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
    producerConfiguration.linger = .milliseconds(5)
    let producer = try KafkaProducer(configuration: producerConfiguration, logger: quietLogger)

    func stopAll() async {
        worker.requestStop()
        _ = try? await workerTask.value
        await reader.stop()
        await producer.close()
    }

    // Warm-up: both groups joined, the worker assigned every partition, the model warm.
    let warmUpStream = ItemStream(
        runID: "warm-up", items: (0..<Int(partitions) * 4).map { items[$0 % items.count] }, malformedInputs: [])
    var warmUpTally = OutputTally(
        stream: warmUpStream, outputTopic: configuration.outputTopic, deadLetterTopic: configuration.deadLetterTopic)
    let warmUpFailures = await producer.send(
        warmUpStream.order.map { warmUpStream.message(for: $0, topic: configuration.inputTopic) }
    ).compactMap(\.error)
    guard warmUpFailures.isEmpty else {
        await stopAll()
        fail("warm-up inputs not delivered: \(warmUpFailures)")
    }
    let warmedUp = await LabelCollector.wait(for: .seconds(60)) {
        for arrival in reader.takeArrivals() {
            warmUpTally.record(arrival.message, receivedAt: .zero, classCount: classifier.labels.count)
        }
        return warmUpTally.isAnswered || reader.error != nil
    }
    guard warmedUp, reader.error == nil else {
        await stopAll()
        fail(
            "warm-up: \(warmUpTally.labelledCount) of \(warmUpStream.items.count) labels within 60 s"
                + " (reader error: \(reader.error.map { "\($0)" } ?? "none"))")
    }

    // The burst (every item handed to the producer at once), or the items paced at `pacedRate`.
    var results: [EndToEndResult] = []
    for round in 0..<rounds {
    do {
        try await beforeRound(round)
    } catch {
        await stopAll()
        throw error
    }
    let benchStream = benchStream(round: round)
    var tally = OutputTally(
        stream: benchStream, outputTopic: configuration.outputTopic, deadLetterTopic: configuration.deadLetterTopic)
    let inputMessages = benchStream.messages(topic: configuration.inputTopic)
    let cpuAtStart = processCPUSeconds()
    let start = ContinuousClock.now
    var cpuUse = 0.0
    let sendTask = Task {
        await ItemPublisher(producer: producer).publish(inputMessages, origin: start, rate: pacedRate)
    }
    // The arrivals (each stamped when the reader received it) are only held while items flow and
    // checked once as many records came back as items went in: decoding and checking them as
    // they come would take CPU from the worker on the same cores.
    var held: [LabelCollector.Arrival] = []
    var arrivalCount = 0
    let complete = await LabelCollector.wait(for: timeout) {
        let arrivals = reader.takeArrivals()
        arrivalCount += arrivals.count
        held += arrivals
        guard arrivalCount >= benchStream.order.count || reader.error != nil else { return false }
        if cpuUse == 0 {
            cpuUse = (processCPUSeconds() - cpuAtStart) / seconds(ContinuousClock.now - start) / Double(cpuCount)
        }
        for arrival in held {
            tally.record(arrival.message, receivedAt: arrival.at - start, classCount: classifier.labels.count)
        }
        held.removeAll()
        return tally.isAnswered || reader.error != nil
    }
    for arrival in held {
        tally.record(arrival.message, receivedAt: arrival.at - start, classCount: classifier.labels.count)
    }
    // A little longer, to see duplicates that should not be there.
    try? await Task.sleep(for: .milliseconds(500))
    for arrival in reader.takeArrivals() {
        tally.record(arrival.message, receivedAt: arrival.at - start, classCount: classifier.labels.count)
    }
    let published = await sendTask.value
    let sendFailures = published.failures.map(\.error)
    let readerError = reader.error
    if round == rounds - 1 { await stopAll() }

    guard sendFailures.isEmpty else { fail("batch \(batchSize): \(sendFailures.count) inputs not delivered, first: \(sendFailures[0])") }
    if let readerError { fail("batch \(batchSize): the output reader failed: \(readerError)") }

    let report = StreamReport(
        tally: tally, trueLabels: items.map(\.label), sentAt: published.sentAt, classCount: classifier.labels.count)
    guard complete, report.isExactlyOnce, tally.foreignCount == 0, let streamSeconds = report.streamSeconds,
        let p50 = report.latency.p50, let p99 = report.latency.p99, let latencyMax = report.latency.sortedSeconds.last
    else {
        fail(
            "batch \(batchSize): \(complete ? "" : "timed out after \(timeout); ")"
                + (report.failures + ["\(tally.foreignCount) records that are not outputs of these items"]).joined(separator: "; "))
    }
    let handOvers = published.sentAt.compactMap { $0 }
    let handOverSeconds = handOvers.max().map { seconds($0 - (handOvers.min() ?? $0)) } ?? 0
    results.append(EndToEndResult(
        itemsPerSecond: report.itemsPerSecond ?? 0, latencyP50: p50, latencyP99: p99, latencyMax: latencyMax,
        inputRate: Double(max(handOvers.count - 1, 0)) / max(handOverSeconds, 1e-9),
        accuracy: report.evaluation.accuracy, seconds: streamSeconds, cpuUse: cpuUse))
    }
    return results
}

// MARK: Run

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

if let shadowPath = option("--shadow-model") {
    let sampleRate = option("--shadow-sample-rate") ?? "1"
    let shadowMetrics = TestMetrics()
    let shadowModels = ShadowModelStore(
        path: shadowPath, servedLabels: { classifier.labels }, metrics: ShadowMetrics(factory: shadowMetrics),
        logger: quietLogger)
    guard let shadow = shadowModels.current else { fail("cannot load the shadow model \(shadowPath) (see NEWSCLF_BENCH_LOG=info)") }
    print("shadow: \(shadow.name) \(shadow.digest.prefix(12)), shadow_sample_rate \(sampleRate); \(rounds) pairs of bursts per batch size, alternating without / with the shadow")
    print("batch  items/s without  items/s with  ratio with/without  latency p99 without / with (s)  shadow batches classified / dropped  agreement")
    for batchSize in batchSizes {
        do {
            var plain: [EndToEndResult] = []
            var shadowed: [EndToEndResult] = []
            let timer = shadowMetrics.timers.first { $0.label == "newsclf_shadow_batch_duration" }
            let classifiedBefore = timer?.values.count ?? 0
            let droppedBefore = shadowMetrics.counterTotal(label: "newsclf_shadow_dropped_batches_total")
            for _ in 0..<rounds {
                plain += try await measureEndToEnd(batchSize: batchSize, rounds: 1)
                shadowed += try await measureEndToEnd(
                    batchSize: batchSize, rounds: 1, shadowModels: shadowModels, shadowSampleRate: sampleRate)
            }
            let classified = (shadowMetrics.timers.first { $0.label == "newsclf_shadow_batch_duration" }?.values.count ?? 0) - classifiedBefore
            let dropped = shadowMetrics.counterTotal(label: "newsclf_shadow_dropped_batches_total") - droppedBefore
            let agreement = (try? shadowMetrics.expectGauge("newsclf_shadow_agreement_ratio").lastValue) ?? .nan
            print(String(
                format: "%5d %16.0f %13.0f %19.2f %17.3f / %-10.3f %21d / %-10lld %.4f", batchSize,
                median(plain.map(\.itemsPerSecond)), median(shadowed.map(\.itemsPerSecond)),
                median(zip(plain, shadowed).map { $1.itemsPerSecond / $0.itemsPerSecond }),
                median(plain.map(\.latencyP99)), median(shadowed.map(\.latencyP99)), classified, dropped, agreement))
            print("  items/s per pair: " + zip(plain, shadowed).map { String(format: "%.0f / %.0f", $0.itemsPerSecond, $1.itemsPerSecond) }.joined(separator: ", "))
        } catch {
            fail("batch \(batchSize): \(error)")
        }
    }
    print("every item got exactly one label, no dead letters (with and without the shadow).")
    exit(0)
}

if let pacedRate {
    print(String(format: "\npaced at %.0f items/s: produce → label latency of each item from its own hand-over", pacedRate))
    print("batch round  input items/s  (s)     latency p50 / p99 / max (ms)  accuracy")
    for batchSize in batchSizes {
        do {
            for (round, result) in try await measureEndToEnd(batchSize: batchSize, rounds: rounds).enumerated() {
                print(String(
                    format: "%5d %5d %14.0f %6.2f %10.1f / %.1f / %.1f   %.4f", batchSize, round + 1, result.inputRate,
                    result.seconds, result.latencyP50 * 1000, result.latencyP99 * 1000, result.latencyMax * 1000,
                    result.accuracy))
            }
        } catch {
            fail("batch \(batchSize): \(error)")
        }
    }
    print("every item got exactly one label, no dead letters.")
    exit(0)
}

print("\n\(rounds) rounds per batch size, medians (each round: model alone, then the burst through the worker; model alone once more at the end)")
print("batch  end-to-end items/s  (s)    latency p50 / p99 (s)  model-only items/s  ratio  CPU use e2e / model-only  accuracy e2e / model-only")
var belowTarget = false
var roundFigures: [String] = []
for batchSize in batchSizes {
    do {
        // Off the main thread, on the cooperative pool like the worker's loop.
        var modelOnly: [ModelOnlyResult] = []
        let endToEnd = try await measureEndToEnd(batchSize: batchSize, rounds: rounds) { _ in
            modelOnly.append(try await Task.detached { try measureModelOnly(batchSize: batchSize) }.value)
        }
        modelOnly.append(try await Task.detached { try measureModelOnly(batchSize: batchSize) }.value)
        let endToEndRate = median(endToEnd.map(\.itemsPerSecond))
        let modelOnlyRate = median(modelOnly.map(\.itemsPerSecond))
        // Each round against the model alone measured just before and just after it (the
        // machine's speed drifts), then the median over the rounds.
        let ratio = median(endToEnd.indices.map {
            endToEnd[$0].itemsPerSecond / ((modelOnly[$0].itemsPerSecond + modelOnly[$0 + 1].itemsPerSecond) / 2)
        })
        belowTarget = belowTarget || ratio < 0.8
        print(String(
            format: "%5d %19.0f %6.2f %10.3f / %-10.3f %18.0f %6.2f %9.0f%% / %.0f%%   %15.4f / %.4f", batchSize, endToEndRate,
            median(endToEnd.map(\.seconds)), median(endToEnd.map(\.latencyP50)), median(endToEnd.map(\.latencyP99)),
            modelOnlyRate, ratio, median(endToEnd.map(\.cpuUse)) * 100, median(modelOnly.map(\.cpuUse)) * 100, endToEnd[0].accuracy, modelOnly[0].accuracy))
        roundFigures.append(
            "batch \(batchSize): end-to-end " + endToEnd.map { String(format: "%.0f", $0.itemsPerSecond) }.joined(separator: ", ")
                + "; model-only " + modelOnly.map { String(format: "%.0f", $0.itemsPerSecond) }.joined(separator: ", "))
    } catch {
        fail("batch \(batchSize): \(error)")
    }
}
print("items/s per round: \(roundFigures.joined(separator: "; "))")
print("every item got exactly one label, no dead letters. ratio target ≥ 0.80\(belowTarget ? ": NOT MET" : ": met")")
