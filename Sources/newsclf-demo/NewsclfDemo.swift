import ArgumentParser
import Classification
import CommandLineSupport
import Demo
import Foundation
import Logging

/// `newsclf-demo`: the whole system on real news (scripts/demo). Exit status 0 when every item
/// got exactly one label, every malformed message exactly one dead letter, and the worker drained
/// with its offsets committed; 1 otherwise or on a runtime failure; 2 for bad usage or input.
@main
struct NewsclfDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsclf-demo",
        abstract: "Stream AG News items through newsclf-worker over Kafka and report what came back.",
        discussion: """
            Starts an embedded broker (librdkafka's mock cluster; or uses --bootstrap-servers), \
            creates the topics, starts newsclf-worker as a child process, publishes the items as \
            JSON messages with a few malformed messages mixed in, reads every label and dead \
            letter back, stops the worker with SIGTERM and checks its committed offsets. Prints \
            examples, the accuracy (and the in-process model's, which `newsclf eval` gives), the \
            confusion matrix, items/s, produce→label latency, the dead letters and the shutdown.
            """)

    @Option(help: ArgumentHelp("AG News CSV (.csv or .csv.gz; default: the shipped test split data/ag_news/test.csv.gz).", valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("Publish only the first N items.", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("Checkpoint directory the worker serves (default: the shipped model).", valueName: "dir"))
    var model: String?

    @Option(help: ArgumentHelp("The newsclf-worker executable (default: the one beside newsclf-demo).", valueName: "path"))
    var worker: String?

    @Option(help: ArgumentHelp("An external Kafka cluster, host:port[,host:port…] (default: an embedded broker). Topics are named after the run and created if absent.", valueName: "host:port"))
    var bootstrapServers: String?

    @Option(help: ArgumentHelp("Input topic (default news.raw embedded, newsclf-demo-<run>.raw external).", valueName: "topic"))
    var inputTopic: String?
    @Option(help: ArgumentHelp("Output topic (default news.labels embedded, newsclf-demo-<run>.labels external).", valueName: "topic"))
    var outputTopic: String?
    @Option(help: ArgumentHelp("Dead-letter topic (default news.raw.dlq embedded, newsclf-demo-<run>.raw.dlq external).", valueName: "topic"))
    var deadLetterTopic: String?

    @Option(help: ArgumentHelp("Partitions per topic the demo creates.", valueName: "n"))
    var partitions: Int32 = 4

    @Flag(inversion: .prefixedNo, help: "Mix seven malformed messages (one per dead-letter kind) into the stream.")
    var badInput = true

    @Option(help: ArgumentHelp("Publish at most this many messages per second (default: as fast as possible).", valueName: "per-second"))
    var rate: Double?

    @Option(help: ArgumentHelp("Example items to show.", valueName: "n"))
    var examples: Int = 6

    @Option(help: ArgumentHelp("Seconds to wait for every answer.", valueName: "seconds"))
    var timeout: Int = 600

    @Option(help: ArgumentHelp("Where the worker's log goes (default: a file in the temporary directory).", valueName: "path"))
    var workerLog: String?

    @Option(name: .customLong("kafka"), help: ArgumentHelp("A librdkafka property for every client, the worker's included, NAME=VALUE (repeatable).", valueName: "name=value"))
    var kafkaProperties: [String] = []

    @Flag(help: "Skip classifying the items in process afterwards (the `newsclf eval` comparison).")
    var noModelCheck = false

    @Option(help: ArgumentHelp("librdkafka log level of the demo's own clients: trace … critical.", valueName: "level"))
    var logLevel: String = "critical"

    static func main() async {
        await runNewsclfCommand()
    }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be 1...1024") }
        guard examples >= 0 else { throw ValidationError("--examples must not be negative") }
        guard timeout >= 1 else { throw ValidationError("--timeout must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        for entry in kafkaProperties where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--kafka expects NAME=VALUE, got \"\(entry)\"")
        }
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        var logger = Logger(label: "newsclf.demo")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .critical
        let run = DemoRun(configuration: configuration, console: DemoConsole(), logger: logger)
        let result: DemoResult
        do {
            result = try await run.run()
        } catch {
            FileHandle.standardError.write(Data("newsclf-demo: \(error)\n".utf8))
            throw ExitCode(error.isBadInput ? 2 : 1)
        }
        print(result.render())
        if !result.isSuccess { throw ExitCode(1) }
    }

    private func makeConfiguration() throws -> DemoConfiguration {
        let modelDirectory: URL
        do {
            modelDirectory = try model.map { URL(fileURLWithPath: $0) } ?? ShippedModel.directory()
        } catch {
            FileHandle.standardError.write(Data("newsclf-demo: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var configuration = DemoConfiguration(
            broker: bootstrapServers.map { .external($0) } ?? .embedded,
            dataFile: URL(fileURLWithPath: data ?? Self.shippedTestSplit()),
            model: modelDirectory,
            workerExecutable: worker.map { URL(fileURLWithPath: $0) } ?? DemoConfiguration.workerBesideExecutable(),
            workerLog: workerLog.map { URL(fileURLWithPath: $0) })
        configuration.limit = limit
        if let inputTopic { configuration.inputTopic = inputTopic }
        if let outputTopic { configuration.outputTopic = outputTopic }
        if let deadLetterTopic { configuration.deadLetterTopic = deadLetterTopic }
        configuration.partitions = partitions
        configuration.includesMalformedInput = badInput
        configuration.rate = rate
        configuration.exampleCount = examples
        configuration.answerTimeout = .seconds(timeout)
        configuration.checksAgainstModel = !noModelCheck
        for entry in kafkaProperties {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            configuration.kafkaProperties[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return configuration
    }

    /// `data/ag_news/test.csv.gz` of the checkout or installation the shipped model comes from
    /// (`<root>/models/agnews-gru` → `<root>/data/ag_news/test.csv.gz`), else relative to the
    /// working directory.
    private static func shippedTestSplit() -> String {
        if let modelDirectory = try? ShippedModel.directory() {
            let candidate = modelDirectory.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("data/ag_news/test.csv.gz")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
        }
        return "data/ag_news/test.csv.gz"
    }
}
