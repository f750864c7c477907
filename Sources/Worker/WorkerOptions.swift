import ArgumentParser
import Foundation

/// The worker's command-line options: one flag per ``WorkerConfiguration`` key (`--foo-bar` for
/// `foo_bar`), all optional, so that a flag left out falls through to the configuration file and
/// the environment.
public struct WorkerOptions: ParsableArguments, Sendable {
    @Option(help: "A JSON configuration file (keys as the flags, with underscores).")
    public var config: String?
    @Option(help: "Initial brokers, host:port[,host:port…].")
    public var bootstrapServers: String?
    @Option(help: "Consumer group id (default newsclf-worker).")
    public var groupId: String?
    @Option(help: "Input topic (default news.raw).")
    public var inputTopic: String?
    @Option(help: "Output topic (default news.labels).")
    public var outputTopic: String?
    @Option(help: "Dead-letter topic (default news.raw.dlq).")
    public var deadLetterTopic: String?
    @Option(help: "Checkpoint directory or a symlink to it, re-resolved on SIGHUP (default: the shipped model).")
    public var model: String?
    @Option(help: "at_least_once (default) or exactly_once.")
    public var processingGuarantee: String?
    @Option(help: "Transactional id for exactly_once (default newsclf-<hostname>-<instance>).")
    public var transactionalId: String?
    @Option(help: "This worker's instance name (the systemd instance, %i; default 'default').")
    public var instance: String?
    @Option(help: "Most items per classified batch (default 64).")
    public var batchMaxSize: String?
    @Option(help: "Milliseconds to wait to fill a batch after its first item (default 5).")
    public var batchMaxWaitMs: String?
    @Option(help: "Larger input messages are dead letters, too_large (default 1048576).")
    public var maxMessageBytes: String?
    @Option(help: "Most unanswered inputs before the partitions are paused (default 4096).")
    public var maxInFlight: String?
    @Option(help: "Threads that classify one batch; above 1, OpenBLAS runs single-threaded (default: the CPU count).")
    public var inferenceThreads: String?
    @Option(help: "Milliseconds a shutdown may wait for outstanding outputs (default 30000).")
    public var drainTimeoutMs: String?
    @Option(help: "Milliseconds between commits of answered offsets, at_least_once; 0: after every batch (default 1000).")
    public var commitIntervalMs: String?
    @Option(help: "host:port of the metrics and health server; empty turns it off (default 127.0.0.1:9464).")
    public var metricsAddress: String?
    @Flag(inversion: .prefixedNo, help: "Create the three topics before starting.")
    public var createTopics: Bool?
    @Flag(inversion: .prefixedNo, help: "Start an in-process mock Kafka cluster and run against it.")
    public var embeddedBroker: Bool?
    @Option(help: "trace, debug, info (default), notice, warning, error, critical.")
    public var logLevel: String?
    @Option(name: .customLong("kafka"), help: "A librdkafka property, NAME=VALUE (repeatable).")
    public var kafkaProperties: [String] = []
    @Flag(help: "Print the effective configuration (secrets masked) and exit.")
    public var printConfig = false

    public init() {}

    /// The values given, by configuration key.
    public var flagValues: [String: String] {
        let pairs: [(String, String?)] = [
            ("bootstrap_servers", bootstrapServers), ("group_id", groupId),
            ("input_topic", inputTopic), ("output_topic", outputTopic),
            ("dead_letter_topic", deadLetterTopic), ("model", model),
            ("processing_guarantee", processingGuarantee), ("transactional_id", transactionalId),
            ("instance", instance), ("batch_max_size", batchMaxSize),
            ("batch_max_wait_ms", batchMaxWaitMs), ("max_message_bytes", maxMessageBytes),
            ("max_in_flight", maxInFlight), ("inference_threads", inferenceThreads),
            ("drain_timeout_ms", drainTimeoutMs), ("commit_interval_ms", commitIntervalMs),
            ("metrics_address", metricsAddress), ("create_topics", createTopics.map(String.init)),
            ("embedded_broker", embeddedBroker.map(String.init)), ("log_level", logLevel),
        ]
        var result: [String: String] = [:]
        for (key, value) in pairs { if let value { result[key] = value } }
        return result
    }

    /// The `--kafka NAME=VALUE` properties.
    /// - Throws: ``WorkerConfigurationError`` for an entry without `=` or without a name.
    public func kafkaFlagValues() throws(WorkerConfigurationError) -> [String: String] {
        var result: [String: String] = [:]
        for entry in kafkaProperties {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw WorkerConfigurationError(
                    key: "kafka", source: "flag --kafka", problem: "expected NAME=VALUE, got \"\(entry)\"")
            }
            result[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return result
    }

    /// Resolves the full configuration from these flags, the `--config` file and `environment`.
    /// - Throws: ``WorkerConfigurationError``.
    public func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostName: String = ProcessInfo.processInfo.hostName
    ) throws(WorkerConfigurationError) -> WorkerConfiguration {
        try WorkerConfiguration.resolve(
            flags: flagValues, kafkaFlags: try kafkaFlagValues(),
            configFile: config.map { URL(fileURLWithPath: $0) }, environment: environment,
            hostName: hostName)
    }
}
