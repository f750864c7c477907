import ArgumentParser
import CommandLineSupport
import Foundation
import Kafka
import Logging
import RecurrentNetwork
import Worker

/// `newsclf-worker`: the streaming classifier daemon (DESIGN.md "Interfaces").
///
/// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a runtime failure (a fatal
/// Kafka error, a fenced transactional producer), 2 for bad configuration or an unloadable model.
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

    func run() async throws {
        var configuration: WorkerConfiguration
        do {
            configuration = try options.resolve()
        } catch {
            FileHandle.standardError.write(Data("newsclf-worker: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if options.printConfig {
            print(configuration.redactedDescription)
            return
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "newsclf.worker")
        logger.logLevel = level
        // Before anything slow (topics, model): SIGTERM while starting exits 0 instead of dying.
        let signals = SignalHandlers(forcedExitAfter: configuration.drainTimeout + .seconds(15), logger: logger)
        logger.info(
            "starting",
            metadata: [
                "group_id": "\(configuration.groupID)", "input_topic": "\(configuration.inputTopic)",
                "processing_guarantee": "\(configuration.processingGuarantee.rawValue)",
            ])

        var embeddedBroker: KafkaMockCluster?
        do {
            if configuration.embeddedBroker {
                // The mock's owning handle has no bootstrap servers and says so at `notice`.
                var mockLogger = logger
                mockLogger.logLevel = max(level, .warning)
                let cluster = try KafkaMockCluster(brokerCount: 1, logger: mockLogger)
                configuration.bootstrapServers = [cluster.bootstrapServers]
                try WorkerTopics(configuration).create(on: cluster)
                embeddedBroker = cluster
                print("embedded broker: \(cluster.bootstrapServers)")
                fflush(nil)
            } else if configuration.createTopics {
                var admin = KafkaAdminConfiguration(bootstrapServers: configuration.bootstrapServers)
                admin.properties = configuration.adminProperties
                let client = try KafkaAdminClient(configuration: admin, logger: logger)
                for outcome in try await WorkerTopics(configuration).create(with: client) {
                    logger.info("topic ready", metadata: ["kafka.topic": "\(outcome)"])
                }
            }
        } catch {
            logger.critical("cannot prepare the topics", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }

        // Before any metric exists: metrics made earlier stay on swift-metrics' no-op backend.
        let registry = PrometheusBootstrap.bootstrap()
        let metrics = WorkerMetrics()
        let models: ModelStore
        do {
            configuration.configureBLASThreads()
            models = try ModelStore(
                path: configuration.model, inferenceOptions: configuration.inferenceOptions, metrics: metrics,
                logger: logger)
        } catch {
            FileHandle.standardError.write(Data("newsclf-worker: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let health = WorkerHealth()

        // /metrics, /healthz, /readyz on metrics_address (nil = off); a busy port fails here,
        // before systemd hears READY=1.
        var observability: ObservabilityServer?
        if let metricsAddress = configuration.metricsAddress {
            do {
                let server = ObservabilityServer(
                    address: try ObservabilityAddress(parsing: metricsAddress), registry: registry,
                    health: health, logger: logger)
                try await server.start()
                observability = server
            } catch {
                logger.critical("cannot start the observability server", metadata: ["error": "\(error)"])
                if case .invalidAddress = error { throw ExitCode(2) }
                throw ExitCode(1)
            }
        }

        let unknownVariables = WorkerConfiguration.unknownEnvironmentVariables(in: ProcessInfo.processInfo.environment)
        if !unknownVariables.isEmpty {
            logger.warning(
                "environment variables that name no setting are ignored (settings are NEWSCLF_<KEY> for the keys of --help)",
                metadata: ["variables": "\(unknownVariables.joined(separator: ","))"])
        }
        let transactionTestHook: TransactionTestHook?
        do {
            transactionTestHook = try TransactionTestHook.from(environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("newsclf-worker: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if transactionTestHook != nil {
            logger.warning(
                "test hook active: transactions are held open or aborted on purpose",
                metadata: ["variable": "\(TransactionTestHook.environmentVariable)"])
        }
        let worker = ClassificationWorker(
            configuration: configuration, models: models, metrics: metrics, health: health,
            logger: logger, transactionTestHook: transactionTestHook)
        signals.attach(worker)
        defer { withExtendedLifetime((signals, embeddedBroker)) {} }
        do {
            try await worker.run()
        } catch {
            logger.critical("worker failed", metadata: ["error": "\(error)"])
            await observability?.shutdown()
            throw ExitCode(1)
        }
        await observability?.shutdown()
    }
}
