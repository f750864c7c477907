import ArgumentParser
import CommandLineSupport
import Foundation
import Kafka
import Logging
import RecurrentNetwork
import ServiceLifecycle
import UnixSignals
import Worker

/// `newsclf-worker`: the streaming classifier daemon (DESIGN.md "Interfaces").
///
/// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a runtime failure (a fatal
/// Kafka error, a fenced transactional producer, a drain past its deadline, a second stop
/// signal, brokers unreachable or a topic missing for `startup_timeout_ms` at start), 2 for bad
/// configuration or an unloadable model. `--check`: 0 when every check passed, 1 otherwise, 2
/// for bad configuration.
@main
struct NewsclfWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsclf-worker",
        abstract: "Classify news items from Kafka and publish one label per item.",
        discussion: """
            Every setting `foo_bar` is the flag --foo-bar, the key foo_bar of the --config JSON \
            file, or the environment variable NEWSCLF_FOO_BAR, in that order of precedence. \
            librdkafka properties: --kafka NAME=VALUE, a "kafka" object (or "kafka.NAME" keys) in \
            the file, or NEWSCLF_KAFKA_NAME (underscores become dots). Signals: SIGTERM/SIGINT \
            drain and exit 0; SIGHUP reloads the model.
            """)

    @OptionGroup var options: WorkerOptions

    /// Picks OpenBLAS's kernels, parses and runs; usage errors exit 2 (`runNewsclfCommand`).
    static func main() async {
        await runNewsclfCommand()
    }

    /// Resolves the configuration, prepares the topics and the model, and runs the worker's
    /// `ServiceGroup` (``WorkerServices``) until it drained.
    func run() async throws {
        var configuration: WorkerConfiguration
        do {
            configuration = try options.resolve()
        } catch {
            throw Self.fail("\(error)", status: 2)
        }
        if options.printConfig {
            print(configuration.redactedDescription)
            return
        }
        let logger = Self.bootstrapLogging(level: Logger.Level(rawValue: configuration.logLevel) ?? .info)
        if options.check {
            try await Self.check(&configuration, logger: logger)
            return
        }
        // Before anything slow (topics, model): a stop signal while starting exits 0, and a
        // SIGHUP waits in its sequence until the reload service runs.
        let stopSignals = await StopSignalWatcher(logger: logger)
        let reloadRequests = await UnixSignalsSequence(trapping: .sighup)
        logger.info(
            "starting",
            metadata: [
                "group_id": "\(configuration.groupID)", "input_topic": "\(configuration.inputTopic)",
                "processing_guarantee": "\(configuration.processingGuarantee.rawValue)",
            ])
        let embeddedBroker = try await Self.prepareTopics(&configuration, logger: logger)
        defer { withExtendedLifetime(embeddedBroker) {} }

        // Before any metric exists: metrics made earlier stay on swift-metrics' no-op backend.
        let registry = PrometheusBootstrap.bootstrap()
        let metrics = WorkerMetrics()
        let models = try Self.loadModel(configuration, metrics: metrics, logger: logger)
        let health = WorkerHealth()
        let observability = try await Self.startObservability(on: configuration.metricsAddress, logger: logger) {
            ObservabilityServer(address: $0, registry: registry, health: health, logger: logger)
        }
        // A shadow that cannot be loaded never stops the worker (ShadowModelStore logs why).
        let shadowModels = configuration.shadowModel.map { path in
            ShadowModelStore(path: path, servedLabels: { models.current.labels }, logger: logger)
        }
        let worker = ClassificationWorker(
            configuration: configuration, models: models, metrics: metrics, health: health,
            logger: logger, transactionTestHook: try Self.transactionTestHook(logger: logger),
            shadowModels: shadowModels)

        let services = WorkerServices(
            observability: observability,
            consumerLag: ConsumerLagReporter(metrics: metrics) { await worker.consumerLag() },
            watchdog: SystemdNotifier.watchdogInterval().map {
                WatchdogKeepAlive(watchdogInterval: $0, health: health, logger: logger)
            },
            modelReload: ModelReloadService(requests: reloadRequests, logger: logger) { worker.reloadModel() },
            classification: ClassificationService(worker: worker),
            drainTimeout: configuration.drainTimeout)
        let group = ServiceGroup(configuration: services.groupConfiguration(logger: logger))
        stopSignals.handOver(to: group)
        do {
            try await group.run()
        } catch {
            logger.critical("worker failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// `--check`: prints ``WorkerCheck``'s report on standard output; a failed check exits 1
    /// (so does an embedded broker that cannot start).
    private static func check(_ configuration: inout WorkerConfiguration, logger: Logger) async throws {
        let embeddedBroker = try await prepareTopics(&configuration, logger: logger, createTopics: false)
        defer { withExtendedLifetime(embeddedBroker) {} }
        let report = await WorkerCheck.run(configuration, logger: logger)
        print(report)
        fflush(nil)
        if !report.passed { throw ExitCode(1) }
    }

    /// Writes `newsclf-worker: message` to standard error; returns the exit to throw.
    private static func fail(_ message: String, status: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("newsclf-worker: \(message)\n".utf8))
        return ExitCode(status)
    }

    private static func bootstrapLogging(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "newsclf.worker")
        logger.logLevel = level
        return logger
    }

    /// Starts the embedded broker (and points the configuration at it) or creates the topics
    /// when asked to (and `createTopics`); failures exit 1.
    private static func prepareTopics(
        _ configuration: inout WorkerConfiguration, logger: Logger, createTopics: Bool = true
    ) async throws -> KafkaMockCluster? {
        do {
            if configuration.embeddedBroker {
                // The mock's owning handle has no bootstrap servers and says so at `notice`.
                var mockLogger = logger
                mockLogger.logLevel = max(logger.logLevel, .warning)
                let cluster = try KafkaMockCluster(brokerCount: 1, logger: mockLogger)
                configuration.bootstrapServers = [cluster.bootstrapServers]
                try WorkerTopics(configuration).create(on: cluster)
                print("embedded broker: \(cluster.bootstrapServers)")
                fflush(nil)
                return cluster
            } else if configuration.createTopics && createTopics {
                var admin = KafkaAdminConfiguration(bootstrapServers: configuration.bootstrapServers)
                admin.properties = configuration.adminProperties
                let client = try KafkaAdminClient(configuration: admin, logger: logger)
                for outcome in try await WorkerTopics(configuration).create(with: client) {
                    logger.info("topic ready", metadata: ["kafka.topic": "\(outcome)"])
                }
            }
            return nil
        } catch {
            logger.critical("cannot prepare the topics", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// Loads the model (an unloadable one exits 2).
    private static func loadModel(
        _ configuration: WorkerConfiguration, metrics: WorkerMetrics, logger: Logger
    ) throws -> ModelStore {
        do {
            configuration.configureBLASThreads()
            return try ModelStore(
                path: configuration.model, inferenceOptions: configuration.inferenceOptions,
                abstainPolicy: configuration.abstainPolicy, metrics: metrics,
                logger: logger)
        } catch {
            throw fail("\(error)", status: 2)
        }
    }

    /// Binds `/metrics`, `/healthz`, `/readyz` on `metrics_address` (`nil` when off) now, so that
    /// a busy port fails the start (exit 1; an invalid address exits 2) before systemd hears
    /// `READY=1`; the group serves and stops it.
    private static func startObservability(
        on metricsAddress: String?, logger: Logger, server makeServer: (ObservabilityAddress) -> ObservabilityServer
    ) async throws -> ObservabilityServer? {
        guard let metricsAddress else { return nil }
        do {
            let server = makeServer(try ObservabilityAddress(parsing: metricsAddress))
            try await server.start()
            return server
        } catch {
            logger.critical("cannot start the observability server", metadata: ["error": "\(error)"])
            if case .invalidAddress = error { throw ExitCode(2) }
            throw ExitCode(1)
        }
    }

    /// Warns about `NEWSCLF_*` variables that name no setting, and reads the exactly-once test
    /// hook (a bad value exits 2).
    private static func transactionTestHook(logger: Logger) throws -> TransactionTestHook? {
        let environment = ProcessInfo.processInfo.environment
        let unknownVariables = WorkerConfiguration.unknownEnvironmentVariables(in: environment)
        if !unknownVariables.isEmpty {
            logger.warning(
                "environment variables that name no setting are ignored (settings are NEWSCLF_<KEY> for the keys of --help)",
                metadata: ["variables": "\(unknownVariables.joined(separator: ","))"])
        }
        let hook: TransactionTestHook?
        do {
            hook = try TransactionTestHook.from(environment: environment)
        } catch {
            throw fail("\(error)", status: 2)
        }
        if hook != nil {
            logger.warning(
                "test hook active: transactions are held open or aborted on purpose",
                metadata: ["variable": "\(TransactionTestHook.environmentVariable)"])
        }
        return hook
    }
}
