// End-to-end speed of the worker (issue 5): AG News test items through an in-process
// `ClassificationWorker` on librdkafka's mock cluster, side by side with the model alone.
//
//   scripts/bench-worker [--batch-sizes 64,256] [--items N] [--timeout-s S] [--inference-threads T]
//                        [--rate ITEMS_PER_S]
//
// Per batch size: a fresh mock cluster (1 broker, 4 partitions per topic), the worker serving the
// shipped model (models/agnews-gru, at-least-once, batch_max_wait_ms 5), an output reader in
// its own consumer group. A few warm-up items go through first, so that the worker and the
// reader have joined their groups and the model is warm. Then the whole burst of items
// (`{"id": i, "text": ...}`) is handed to a producer at once and every label is read back.
//
// Figures:
// - end-to-end items/s: item count / (burst handed to the producer → last label read);
// - latency p50 / p99: burst hand-over → each label read (the burst arrives at once, so this is
//   mostly queueing: how long the n-th item waits for the items before it);
// - model-only items/s: `TextClassifier.encode` + `classify` on the same texts, consecutive
//   batches of the same size, same classifier instance, measured before and after the worker run
//   (the faster counts); and the ratio end-to-end / model-only (target ≥ 0.80);
// - accuracy of the labels read back against the true classes (the shipped model has the
//   notebook's padding semantics, so a label can depend on the batch it was classified in: the
//   worker's batches are formed per partition poll, not in file order, so this can differ from
//   `newsclf eval` (file order, batch 32: 0.8995) in the last digits; the model-only accuracy at
//   the same batch size is printed next to it).
//
// `--inference-threads T` sets the worker's `inference_threads` (default: the CPU count, as the
// worker; 1 is the worker's threading before that setting existed: one engine thread, OpenBLAS at
// its own default).
//
// `--rate R` (paced mode): instead of the burst, the items are handed to the producer at R items/s
// (below the worker's capacity), and the latency of each item is measured from its own hand-over
// to its label: produce → label latency at a steady load, without the queueing of a burst. Prints
// the achieved rate and latency p50 / p99 / max per batch size (no model-only comparison).
//
// Exits 1 when any item has no label, more than one, a dead letter, or the wait runs out.
import Classification
import Foundation
import Kafka
import Logging
import RecurrentClassifier
import Synchronization
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
let modelDirectory = packageRoot.appendingPathComponent("models/agnews-gru")
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
/// Items per second handed to the producer in paced mode; `nil` for the burst.
let pacedRate = option("--rate").flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }

/// `fetch.wait.max.ms` for the worker's and the reader's consumers. The mock broker answers a
/// Fetch that finds no new data only when this wait runs out (a real broker answers as soon as
/// data arrives, `fetch.min.bytes` = 1), so librdkafka's default of 500 ms would add up to half a
/// second per hop that a real cluster does not have. `--fetch-wait-ms 500` measures it.
let mockFetchWait = option("--fetch-wait-ms") ?? "10"

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
}

print("WorkerBenchmark: \(items.count) AG News test items (\(testFile.lastPathComponent)), model \(classifier.name) \(classifier.digest.prefix(12)), \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
let environment = ProcessInfo.processInfo.environment
print("OpenBLAS: \(BLAS.coreName), OPENBLAS_CORETYPE=\(environment["OPENBLAS_CORETYPE"] ?? "(unset)"), OPENBLAS_NUM_THREADS=\(environment["OPENBLAS_NUM_THREADS"] ?? "(unset: one per CPU)")")
print("mock cluster: 1 broker, \(partitions) partitions per topic; worker: at-least-once, in process")
print("inference_threads \(threading.inferenceThreads): engine threads \(threading.inferenceOptions.threadCount), OpenBLAS threads per call \(BLAS.threadCount)")

// MARK: Model only

struct ModelOnlyResult {
    var itemsPerSecond: Double
    var accuracy: Double
}

/// `encode` + `classify` over all items in consecutive batches of `batchSize`.
func measureModelOnly(batchSize: Int) throws -> ModelOnlyResult {
    _ = try classifier.classify(items.prefix(batchSize).map { classifier.encode($0.text) })  // warm-up
    var correct = 0
    let clock = ContinuousClock()
    let elapsed = try clock.measure {
        for start in stride(from: 0, to: items.count, by: batchSize) {
            let batch = items[start..<min(start + batchSize, items.count)]
            let predictions = try classifier.classify(batch.map { classifier.encode($0.text) })
            correct += zip(batch, predictions).filter { $0.label == $1.labelID }.count
        }
    }
    return ModelOnlyResult(
        itemsPerSecond: Double(items.count) / seconds(elapsed), accuracy: Double(correct) / Double(items.count))
}

// MARK: End to end

/// What the output reader saw: each record with the moment it was read.
final class OutputReader: Sendable {
    private let consumer: KafkaConsumer
    private let received = Mutex<[(message: KafkaConsumerMessage, at: ContinuousClock.Instant)]>([])
    private let failure = Mutex<KafkaError?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(bootstrapServers: String, topics: [String]) throws(KafkaError) {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: [bootstrapServers], groupID: "bench-reader-\(UUID().uuidString)")
        configuration.sessionTimeout = .milliseconds(3000)
        configuration.heartbeatInterval = .milliseconds(300)
        configuration.properties["fetch.wait.max.ms"] = mockFetchWait
        consumer = try KafkaConsumer(configuration: configuration, logger: quietLogger)
        try consumer.subscribe(topics: topics)
        let poller = Task { [self] in
            while !Task.isCancelled {
                do throws(KafkaError) {
                    // Paced: one record a poll, so that each is timed when it arrives (a poll
                    // for many waits out its timeout unless it fills, up to 50 ms late).
                    let batch = try await consumer.poll(maxMessages: pacedRate == nil ? 1000 : 1, timeout: .milliseconds(50))
                    let now = ContinuousClock.now
                    received.withLock { $0 += batch.messages.map { ($0, now) } }
                } catch {
                    failure.withLock { $0 = error }
                    return
                }
            }
        }
        task.withLock { $0 = poller }
    }

    var records: [(message: KafkaConsumerMessage, at: ContinuousClock.Instant)] { received.withLock { $0 } }
    var error: KafkaError? { failure.withLock { $0 } }

    func stop() async {
        let poller = task.withLock { $0 }
        poller?.cancel()
        await poller?.value
        try? await consumer.close()
    }
}

/// The `id` and `label_id` of a label record, or `nil` when the value is not a label.
func decodeLabel(_ value: [UInt8]?) -> (id: JSONValue, labelID: Int)? {
    struct Label: Decodable {
        let id: JSONValue
        let labelID: Int
        enum CodingKeys: String, CodingKey {
            case id
            case labelID = "label_id"
        }
    }
    guard let value, let label = try? JSONDecoder().decode(Label.self, from: Data(value)) else { return nil }
    return (label.id, label.labelID)
}

struct EndToEndResult {
    var itemsPerSecond: Double
    var latencyP50: Double
    var latencyP99: Double
    var latencyMax: Double
    /// Items per second handed to the producer (paced mode; the burst's is not meaningful).
    var inputRate: Double
    var accuracy: Double
    var seconds: Double
}

func inputJSON(_ object: [String: Any]) -> [UInt8] {
    // Only strings and integers: serialization cannot fail.
    Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
}

/// Waits until `condition` holds (checked every 20 ms) or `limit` passed; `false` on time-out.
func wait(for limit: Duration, until condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

func measureEndToEnd(batchSize: Int) async throws -> EndToEndResult {
    let cluster = try KafkaMockCluster(brokerCount: 1, logger: quietLogger)
    defer { cluster.stop() }
    let configuration = try WorkerConfiguration.resolve(
        flags: [
            "bootstrap_servers": cluster.bootstrapServers, "group_id": "bench-worker-\(UUID().uuidString)",
            "metrics_address": "", "batch_max_size": String(batchSize), "drain_timeout_ms": "10000",
        ],
        kafkaFlags: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "300", "fetch.wait.max.ms": mockFetchWait],
        environment: [:], hostName: "bench-host")
    try WorkerTopics(configuration, partitions: partitions).create(on: cluster)
    let worker = ClassificationWorker(
        configuration: configuration, models: models, notifier: SystemdNotifier(socketPath: nil), logger: quietLogger)
    let workerTask = Task { try await worker.run() }
    let reader = try OutputReader(
        bootstrapServers: cluster.bootstrapServers, topics: [configuration.outputTopic, configuration.deadLetterTopic])

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
    let warmUpCount = Int(partitions) * 4
    let warmUp = (0..<warmUpCount).map { k in
        KafkaProducerMessage(
            topic: configuration.inputTopic, key: Array("warm-\(k)".utf8),
            value: inputJSON(["id": "warm-\(k)", "text": items[k % items.count].text]))
    }
    let warmUpFailures = await producer.send(warmUp).compactMap(\.error)
    guard warmUpFailures.isEmpty else {
        await stopAll()
        fail("warm-up inputs not delivered: \(warmUpFailures)")
    }
    guard await wait(for: .seconds(60), until: { reader.records.count >= warmUpCount || reader.error != nil }),
        reader.error == nil
    else {
        let seen = reader.records.count
        await stopAll()
        fail("warm-up: \(seen) of \(warmUpCount) labels within 60 s (reader error: \(reader.error.map { "\($0)" } ?? "none"))")
    }
    let warmUpRecords = reader.records.count

    // The burst, or the items paced at `pacedRate`.
    let messages = items.indices.map { i in
        KafkaProducerMessage(
            topic: configuration.inputTopic, key: Array(String(i).utf8),
            value: inputJSON(["id": i, "text": items[i].text]))
    }
    let start = ContinuousClock.now
    var handedOver = [ContinuousClock.Instant](repeating: start, count: items.count)
    var sendTasks: [Task<[KafkaDeliveryReport], Never>] = []
    if let pacedRate {
        // Every 2 ms, the items due by now (item i at start + i / rate).
        var next = 0
        while next < messages.count {
            let due = min(messages.count, Int(seconds(ContinuousClock.now - start) * pacedRate) + 1)
            if due > next {
                let now = ContinuousClock.now
                for i in next..<due { handedOver[i] = now }
                let chunk = Array(messages[next..<due])
                sendTasks.append(Task { await producer.send(chunk) })
                next = due
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    } else {
        sendTasks.append(Task { await producer.send(messages) })
    }
    let lastHandOver = handedOver.last ?? start
    let complete = await wait(for: timeout) {
        reader.records.count - warmUpRecords >= items.count || reader.error != nil
    }
    // A little longer, to see duplicates that should not be there.
    try? await Task.sleep(for: .milliseconds(500))
    var sendFailures: [KafkaError] = []
    for task in sendTasks { sendFailures += await task.value.compactMap(\.error) }
    let records = Array(reader.records.dropFirst(warmUpRecords))
    let readerError = reader.error
    await stopAll()

    guard sendFailures.isEmpty else { fail("batch \(batchSize): \(sendFailures.count) inputs not delivered, first: \(sendFailures[0])") }
    if let readerError { fail("batch \(batchSize): the output reader failed: \(readerError)") }

    var labelCount = [Int](repeating: 0, count: items.count)
    var predicted = [Int](repeating: -1, count: items.count)
    var latencies: [Double] = []
    var deadLetters = 0, strays = 0
    var last = start
    for (message, at) in records {
        if message.topic == configuration.deadLetterTopic {
            deadLetters += 1
            continue
        }
        guard let label = decodeLabel(message.value), case .integer(let number) = label.id,
            let i = Int(exactly: number), items.indices.contains(i)
        else {
            strays += 1
            continue
        }
        labelCount[i] += 1
        predicted[i] = label.labelID
        latencies.append(seconds(at - handedOver[i]))
        last = max(last, at)
    }
    let missing = labelCount.indices.filter { labelCount[$0] == 0 }
    let duplicated = labelCount.indices.filter { labelCount[$0] > 1 }
    guard complete, missing.isEmpty, duplicated.isEmpty, deadLetters == 0, strays == 0 else {
        fail(
            "batch \(batchSize): \(complete ? "" : "timed out after \(timeout); ")\(missing.count) items without a label"
                + " (first ids \(missing.prefix(5))), \(duplicated.count) with more than one (first \(duplicated.prefix(5))),"
                + " \(deadLetters) dead letters, \(strays) records that are not labels of these items")
    }
    latencies.sort()
    let total = seconds(last - start)
    let correct = items.indices.filter { predicted[$0] == items[$0].label }.count
    return EndToEndResult(
        itemsPerSecond: Double(items.count) / total, latencyP50: percentile(latencies, 0.5),
        latencyP99: percentile(latencies, 0.99), latencyMax: latencies.last ?? 0,
        inputRate: Double(items.count - 1) / max(seconds(lastHandOver - start), 1e-9),
        accuracy: Double(correct) / Double(items.count), seconds: total)
}

// MARK: Run

if let pacedRate {
    print(String(format: "\npaced at %.0f items/s: produce → label latency of each item from its own hand-over", pacedRate))
    print("batch  input items/s  (s)     latency p50 / p99 / max (ms)  accuracy")
    for batchSize in batchSizes {
        do {
            let result = try await measureEndToEnd(batchSize: batchSize)
            print(String(
                format: "%5d %14.0f %6.2f %10.1f / %.1f / %.1f   %.4f", batchSize, result.inputRate, result.seconds,
                result.latencyP50 * 1000, result.latencyP99 * 1000, result.latencyMax * 1000, result.accuracy))
        } catch {
            fail("batch \(batchSize): \(error)")
        }
    }
    print("every item got exactly one label, no dead letters.")
    exit(0)
}

print("\nbatch  end-to-end items/s  (s)    latency p50 / p99 (s)  model-only items/s  ratio  accuracy e2e / model-only")
var belowTarget = false
var modelOnlyRuns: [String] = []
for batchSize in batchSizes {
    do {
        // Model alone before and after the worker run; the faster of the two counts (the
        // conservative denominator on a machine whose load varies).
        // Off the main thread, on the cooperative pool like the worker's loop.
        let before = try await Task.detached { try measureModelOnly(batchSize: batchSize) }.value
        let endToEnd = try await measureEndToEnd(batchSize: batchSize)
        let after = try await Task.detached { try measureModelOnly(batchSize: batchSize) }.value
        let modelOnly = before.itemsPerSecond >= after.itemsPerSecond ? before : after
        modelOnlyRuns.append(String(format: "batch %d: %.0f, %.0f", batchSize, before.itemsPerSecond, after.itemsPerSecond))
        let ratio = endToEnd.itemsPerSecond / modelOnly.itemsPerSecond
        belowTarget = belowTarget || ratio < 0.8
        print(String(
            format: "%5d %19.0f %6.2f %10.3f / %-10.3f %18.0f %6.2f   %.4f / %.4f", batchSize, endToEnd.itemsPerSecond,
            endToEnd.seconds, endToEnd.latencyP50, endToEnd.latencyP99, modelOnly.itemsPerSecond, ratio,
            endToEnd.accuracy, modelOnly.accuracy))
    } catch {
        fail("batch \(batchSize): \(error)")
    }
}
print("model-only items/s before / after the worker run (the faster counts): \(modelOnlyRuns.joined(separator: "; "))")
print("every item got exactly one label, no dead letters. ratio target ≥ 0.80\(belowTarget ? ": NOT MET" : ": met")")
print("newsclf eval (file order, batch 32) on the shipped model: accuracy 0.8995")
