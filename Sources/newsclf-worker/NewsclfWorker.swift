import ArgumentParser
import Foundation
import Kafka
import Logging
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

        let metrics = WorkerMetrics()
        let models: ModelStore
        do {
            models = try ModelStore(path: configuration.model, metrics: metrics, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("newsclf-worker: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let health = WorkerHealth()

        // Observability server (metrics_address): the coordinator starts ObservabilityServer
        // here with `configuration.metricsAddress` (nil = off), `health`, and the Prometheus
        // metrics backend.
        _ = (configuration.metricsAddress, health)

        let worker = ClassificationWorker(
            configuration: configuration, models: models, metrics: metrics, health: health,
            logger: logger)
        let signals = SignalHandlers(worker: worker, forcedExitAfter: configuration.drainTimeout + .seconds(15), logger: logger)
        defer { withExtendedLifetime((signals, embeddedBroker)) {} }
        do {
            try await worker.run()
        } catch {
            logger.critical("worker failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
