import Classification
import Foundation
import Kafka
import RecurrentClassifier

/// The worker's effective settings, resolved from flags, a JSON configuration file and the
/// environment (DESIGN.md "Interfaces").
///
/// Every key `foo_bar` can be given as the flag `--foo-bar`, as the key `foo_bar` of the file
/// named by `--config`, or as the environment variable `NEWSCLF_FOO_BAR`; the first of those that
/// is present wins. librdkafka properties pass through as `kafka.<property>` (file: a `kafka`
/// object or dotted keys), `NEWSCLF_KAFKA_<PROPERTY>` (underscores become dots) or
/// `--kafka <property>=<value>`; they are applied last, on top of the typed settings.
public struct WorkerConfiguration: Sendable, Equatable {
    /// `bootstrap_servers`: `host:port` of the initial brokers. Required unless
    /// ``embeddedBroker`` is on (then the embedded broker's address).
    public var bootstrapServers: [String]
    /// `group_id`: the consumer group. Default `newsclf-worker`.
    public var groupID: String
    /// `input_topic`. Default `news.raw`.
    public var inputTopic: String
    /// `output_topic`. Default `news.labels`.
    public var outputTopic: String
    /// `dead_letter_topic`. Default `news.raw.dlq`.
    public var deadLetterTopic: String
    /// `model`: the checkpoint directory (may be a symlink, re-resolved on every reload);
    /// `nil` means the shipped model (``ShippedModel/directory(environment:)``).
    public var model: String?
    /// `processing_guarantee`. Default ``ProcessingGuarantee/atLeastOnce``.
    public var processingGuarantee: ProcessingGuarantee
    /// `instance`: this worker's name among its peers on a host (the systemd instance name,
    /// `%i`). Default `default`.
    public var instance: String
    /// `transactional_id`: the transactional producer's id for exactly-once. Default
    /// `newsclf-<hostname>-<instance>`, stable across restarts of the same instance.
    public var transactionalID: String
    /// `batch_max_size`: the most items classified together, 1...4096. Default 64.
    public var batchMaxSize: Int
    /// `batch_max_wait_ms`: how long a poll waits to fill a batch, in milliseconds, 0...60000.
    /// Default 5.
    public var batchMaxWait: Duration
    /// `max_message_bytes`: larger input values are dead letters (`too_large`). Default 1 MiB.
    public var maxMessageBytes: Int
    /// `max_in_flight`: the most inputs read but not yet answered (outputs unacknowledged);
    /// above it the worker pauses its partitions while it keeps polling. Default 4096.
    public var maxInFlight: Int
    /// `inference_threads`: threads that classify one batch (its items split among them), 1...256.
    /// Default: the number of active CPUs. Above 1, OpenBLAS runs each call on one thread
    /// (``configureBLASThreads()``), the fastest split on the machines `scripts/bench-inference`
    /// and `scripts/bench-worker` measured; 1 keeps the engine on one thread and OpenBLAS at its
    /// own default (one thread per CPU, or `OPENBLAS_NUM_THREADS`).
    public var inferenceThreads: Int
    /// `drain_timeout_ms`: how long a shutdown may wait for outstanding outputs, in
    /// milliseconds. Default 30000.
    public var drainTimeout: Duration
    /// `commit_interval_ms`: how often at-least-once commits the answered offsets, in
    /// milliseconds, 0...60000; 0 commits after every batch. Default 1000.
    public var commitInterval: Duration = .milliseconds(1000)
    /// `metrics_address`: `host:port` of the observability HTTP server; `nil` (empty string)
    /// turns it off. Default `127.0.0.1:9464`.
    public var metricsAddress: String?
    /// `create_topics`: create the three topics (KafkaAdminClient) before starting.
    public var createTopics: Bool
    /// `embedded_broker`: start librdkafka's mock cluster in-process and run against it.
    public var embeddedBroker: Bool
    /// `log_level`: swift-log level (`trace` … `critical`). Default `info`.
    public var logLevel: String
    /// Raw librdkafka properties (`kafka.<property>`), applied to the consumer and the producer
    /// after the typed settings. May hold secrets: print through ``redactedDescription``.
    public var kafkaProperties: [String: String]

    /// The keys a configuration file, flag or environment variable may set (without `kafka.`).
    public static let keys: [String] = [
        "bootstrap_servers", "group_id", "input_topic", "output_topic", "dead_letter_topic", "model",
        "processing_guarantee", "transactional_id", "instance", "batch_max_size",
        "batch_max_wait_ms", "max_message_bytes", "max_in_flight", "inference_threads", "drain_timeout_ms",
        "commit_interval_ms", "metrics_address", "create_topics", "embedded_broker", "log_level",
    ]

    /// The environment variable prefix: `NEWSCLF_` + the key in upper case.
    public static let environmentPrefix = "NEWSCLF_"

    /// Resolves the configuration.
    ///
    /// - Parameters:
    ///   - flags: values given on the command line, by key (`group_id`, not `--group-id`);
    ///     booleans as `"true"`/`"false"`.
    ///   - kafkaFlags: librdkafka properties given on the command line.
    ///   - configFile: the JSON file of `--config`, if any.
    ///   - environment: the process environment (only `NEWSCLF_*` variables are read;
    ///     `NEWSCLF_MODEL` is left to ``ShippedModel``, which reads it for the default model).
    ///   - hostName: the host name in the default transactional id.
    /// - Throws: ``WorkerConfigurationError`` naming the key and where its value came from.
    public static func resolve(
        flags: [String: String] = [:], kafkaFlags: [String: String] = [:], configFile: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostName: String = ProcessInfo.processInfo.hostName
    ) throws(WorkerConfigurationError) -> WorkerConfiguration {
        var sources = ValueSources()
        for (key, value) in flags {
            guard keys.contains(key) else {
                throw WorkerConfigurationError(key: key, source: "flag", problem: "unknown setting")
            }
            sources.flags[key] = value
        }
        if let configFile {
            try sources.readFile(configFile)
        }
        for (name, value) in environment where name.hasPrefix(environmentPrefix) {
            let rest = String(name.dropFirst(environmentPrefix.count))
            if rest.hasPrefix("KAFKA_") {
                let property = rest.dropFirst("KAFKA_".count).lowercased()
                    .replacingOccurrences(of: "_", with: ".")
                sources.environmentKafka[property] = value
            } else {
                let key = rest.lowercased()
                // NEWSCLF_MODEL doubles as ShippedModel's override; other NEWSCLF_* variables
                // (e.g. test settings) are not ours to refuse.
                if keys.contains(key) { sources.environment[key] = value }
            }
        }
        return try sources.configuration(kafkaFlags: kafkaFlags, hostName: hostName)
    }

    /// The `NEWSCLF_*` variables of `environment` that name no setting (a misspelt key such as
    /// `NEWSCLF_BATCH_MAXSIZE`), sorted. The environment is shared with other programs, so
    /// ``resolve(flags:kafkaFlags:configFile:environment:hostName:)`` does not refuse them (an
    /// unknown key in the config file is an error); `newsclf-worker` logs them as a warning.
    /// Not counted: `NEWSCLF_KAFKA_*`, `NEWSCLF_NO_REEXEC` (the OpenBLAS re-execution),
    /// `NEWSCLF_TEST_*` and `NEWSCLF_BENCH_*` (tests and benchmarks).
    public static func unknownEnvironmentVariables(in environment: [String: String]) -> [String] {
        environment.keys.filter { name in
            guard name.hasPrefix(environmentPrefix) else { return false }
            let rest = name.dropFirst(environmentPrefix.count)
            return !keys.contains(rest.lowercased()) && rest != "NO_REEXEC"
                && !["KAFKA_", "TEST_", "BENCH_"].contains { rest.hasPrefix($0) }
        }.sorted()
    }

    /// The settings as `key=value` lines, sorted, librdkafka properties as `kafka.<name>`,
    /// secrets masked with ``KafkaRedaction``.
    public var redactedDescription: String {
        var lines: [String: String] = [
            "bootstrap_servers": bootstrapServers.joined(separator: ","),
            "group_id": groupID,
            "input_topic": inputTopic,
            "output_topic": outputTopic,
            "dead_letter_topic": deadLetterTopic,
            "model": model ?? "(shipped model)",
            "processing_guarantee": processingGuarantee.rawValue,
            "instance": instance,
            "transactional_id": transactionalID,
            "batch_max_size": String(batchMaxSize),
            "batch_max_wait_ms": String(batchMaxWait.wholeMilliseconds),
            "max_message_bytes": String(maxMessageBytes),
            "max_in_flight": String(maxInFlight),
            "inference_threads": String(inferenceThreads),
            "drain_timeout_ms": String(drainTimeout.wholeMilliseconds),
            "commit_interval_ms": String(commitInterval.wholeMilliseconds),
            "metrics_address": metricsAddress ?? "",
            "create_topics": String(createTopics),
            "embedded_broker": String(embeddedBroker),
            "log_level": logLevel,
        ]
        for (name, value) in KafkaRedaction.redacted(kafkaProperties) {
            lines["kafka.\(name)"] = value
        }
        return lines.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "\n")
    }

    /// The consumer's settings: the group, `auto.offset.reset=earliest`, offsets stored by the
    /// worker only; auto-commit of stored offsets for at-least-once, none for exactly-once
    /// (offsets go into the transaction). ``kafkaProperties`` are applied on top.
    public var consumerConfiguration: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: bootstrapServers, groupID: groupID)
        configuration.clientID = "newsclf-worker-\(instance)"
        configuration.isAutoCommitEnabled = processingGuarantee == .atLeastOnce
        configuration.isAutoOffsetStoreEnabled = false
        configuration.autoOffsetReset = .earliest
        configuration.isolationLevel = .readCommitted
        configuration.properties = kafkaProperties
        return configuration
    }

    /// The producer's settings: idempotent, `acks=all`; transactional with
    /// ``transactionalID`` for exactly-once. ``kafkaProperties`` are applied on top.
    public var producerConfiguration: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.clientID = "newsclf-worker-\(instance)"
        configuration.isIdempotenceEnabled = true
        if processingGuarantee == .exactlyOnce {
            configuration.transactionalID = transactionalID
        }
        configuration.properties = Self.producerProperties(kafkaProperties)
        return configuration
    }

    /// The inference engine's options for ``inferenceThreads``.
    public var inferenceOptions: InferenceEngine.Options {
        InferenceEngine.Options(threadCount: inferenceThreads)
    }

    /// Sets OpenBLAS to one thread per call when the engine runs several threads, so that the
    /// engine's threads do not compete with OpenBLAS's own (as `newsclf classify`/`eval` do);
    /// with ``inferenceThreads`` 1, OpenBLAS keeps its default. Process-wide: call it once,
    /// before the first classification.
    public func configureBLASThreads() {
        if inferenceThreads > 1 { BLAS.setThreadCount(1) }
    }

    /// The ``kafkaProperties`` that apply to an admin client (``WorkerTopics``): those of the
    /// producer.
    public var adminProperties: [String: String] { Self.producerProperties(kafkaProperties) }

    /// Drops consumer-only properties, so that one `kafka.*` set can serve both clients
    /// without librdkafka's "property is for consumers" warnings.
    static func producerProperties(_ properties: [String: String]) -> [String: String] {
        let consumerOnly: Set<String> = [
            "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
            "auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms",
            "enable.auto.offset.store", "partition.assignment.strategy", "isolation.level",
            "enable.partition.eof", "group.id", "group.instance.id", "fetch.min.bytes",
            "fetch.wait.max.ms", "fetch.max.bytes", "max.partition.fetch.bytes",
        ]
        return properties.filter { !consumerOnly.contains($0.key) }
    }
}

/// The three layers of raw values, and their conversion to typed settings.
private struct ValueSources {
    var flags: [String: String] = [:]
    var file: [String: String] = [:]
    var environment: [String: String] = [:]
    var fileKafka: [String: String] = [:]
    var environmentKafka: [String: String] = [:]
    var filePath = ""

    mutating func readFile(_ url: URL) throws(WorkerConfigurationError) {
        filePath = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WorkerConfigurationError(
                key: "config", source: url.path, problem: "cannot read the file: \(error.localizedDescription)")
        }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw WorkerConfigurationError(
                key: "config", source: url.path, problem: "not valid JSON: \(error)")
        }
        guard case .object(let fields) = root else {
            throw WorkerConfigurationError(
                key: "config", source: url.path, problem: "expected a JSON object at the top level")
        }
        for (key, value) in fields {
            if key == "kafka" {
                guard case .object(let properties) = value else {
                    throw WorkerConfigurationError(
                        key: key, source: url.path, problem: "expected an object of librdkafka properties")
                }
                for (name, property) in properties {
                    fileKafka[name] = try Self.scalar(property, key: "kafka.\(name)", source: url.path)
                }
            } else if key.hasPrefix("kafka.") {
                fileKafka[String(key.dropFirst("kafka.".count))] = try Self.scalar(
                    value, key: key, source: url.path)
            } else if WorkerConfiguration.keys.contains(key) {
                file[key] = try Self.scalar(value, key: key, source: url.path)
            } else {
                throw WorkerConfigurationError(key: key, source: url.path, problem: "unknown setting")
            }
        }
    }

    /// A JSON scalar as the string a flag would have given; `null` is absent (`nil`).
    private static func scalar(
        _ value: JSONValue, key: String, source: String
    ) throws(WorkerConfigurationError) -> String? {
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .bool(let flag): return String(flag)
        case .integer(let number): return String(number)
        case .number(let number) where number == number.rounded(): return String(Int64(number))
        case .number(let number): return String(number)
        case .array(let items):
            // A list of bootstrap servers.
            var parts: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw WorkerConfigurationError(
                        key: key, source: source, problem: "expected a string or a list of strings")
                }
                parts.append(text)
            }
            return parts.joined(separator: ",")
        case .object:
            throw WorkerConfigurationError(key: key, source: source, problem: "expected a scalar value")
        }
    }

    /// The value of `key` and where it came from, by precedence.
    func value(_ key: String) -> (value: String, source: String)? {
        if let value = flags[key] { return (value, "flag --\(key.replacingOccurrences(of: "_", with: "-"))") }
        if let value = file[key] { return (value, "\(filePath) key \(key)") }
        if let value = environment[key] {
            return (value, "environment \(WorkerConfiguration.environmentPrefix)\(key.uppercased())")
        }
        return nil
    }

    func string(_ key: String, default fallback: String) throws(WorkerConfigurationError) -> String {
        guard let (value, source) = value(key) else { return fallback }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw WorkerConfigurationError(key: key, source: source, problem: "must not be empty")
        }
        return trimmed
    }

    func integer(
        _ key: String, default fallback: Int, range: ClosedRange<Int>
    ) throws(WorkerConfigurationError) -> Int {
        guard let (value, source) = value(key) else { return fallback }
        guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else {
            throw WorkerConfigurationError(
                key: key, source: source, problem: "\"\(value)\" is not an integer")
        }
        guard range.contains(number) else {
            throw WorkerConfigurationError(
                key: key, source: source,
                problem: "\(number) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    func boolean(_ key: String) throws(WorkerConfigurationError) -> Bool {
        guard let (value, source) = value(key) else { return false }
        switch value.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off", "": return false
        default:
            throw WorkerConfigurationError(
                key: key, source: source, problem: "\"\(value)\" is not a boolean (true or false)")
        }
    }

    func configuration(
        kafkaFlags: [String: String], hostName: String
    ) throws(WorkerConfigurationError) -> WorkerConfiguration {
        let embeddedBroker = try boolean("embedded_broker")
        var bootstrapServers: [String] = []
        if let (value, source) = value("bootstrap_servers") {
            bootstrapServers = value.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            for server in bootstrapServers where !Self.isHostPort(server) {
                throw WorkerConfigurationError(
                    key: "bootstrap_servers", source: source, problem: "\"\(server)\" is not host:port")
            }
        }
        if bootstrapServers.isEmpty && !embeddedBroker {
            let given = value("bootstrap_servers")
            throw WorkerConfigurationError(
                key: "bootstrap_servers", source: given?.source ?? "(not set)",
                problem: given == nil ? "required (or use --embedded-broker)" : "no host:port in \"\(given!.value)\"")
        }
        let guaranteeText = try string("processing_guarantee", default: ProcessingGuarantee.atLeastOnce.rawValue)
        guard let guarantee = ProcessingGuarantee(rawValue: guaranteeText) else {
            throw WorkerConfigurationError(
                key: "processing_guarantee", source: value("processing_guarantee")?.source ?? "",
                problem: "\"\(guaranteeText)\" is not one of \(ProcessingGuarantee.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let instance = try string("instance", default: "default")
        var metricsAddress: String? = "127.0.0.1:9464"
        if let (value, source) = value("metrics_address") {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                metricsAddress = nil
            } else if Self.isHostPort(trimmed) {
                metricsAddress = trimmed
            } else {
                throw WorkerConfigurationError(
                    key: "metrics_address", source: source, problem: "\"\(trimmed)\" is not host:port")
            }
        }
        let logLevel = try string("log_level", default: "info")
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logLevel) else {
            throw WorkerConfigurationError(
                key: "log_level", source: value("log_level")?.source ?? "",
                problem: "\"\(logLevel)\" is not one of \(levels.joined(separator: ", "))")
        }
        var kafka = environmentKafka
        kafka.merge(fileKafka.compactMapValues { $0 }) { _, file in file }
        kafka.merge(kafkaFlags) { _, flag in flag }
        for name in kafka.keys where name.isEmpty {
            throw WorkerConfigurationError(key: "kafka.", source: "kafka properties", problem: "empty property name")
        }
        // Properties the worker sets from its own settings; overriding them would break its
        // delivery guarantee (e.g. `enable.auto.commit=false`: nothing committed) or bypass the
        // setting's checks.
        let reserved: [(property: String, setting: String)] = [
            ("bootstrap.servers", "bootstrap_servers"), ("group.id", "group_id"),
            ("transactional.id", "transactional_id"), ("enable.auto.commit", "processing_guarantee"),
            ("enable.auto.offset.store", "processing_guarantee"), ("isolation.level", "processing_guarantee"),
            ("enable.idempotence", "processing_guarantee"),
        ]
        for (property, setting) in reserved where kafka[property] != nil {
            let source = kafkaFlags[property] != nil ? "flag --kafka"
                : fileKafka[property] != nil ? "config file"
                : "environment NEWSCLF_KAFKA_\(property.uppercased().replacingOccurrences(of: ".", with: "_"))"
            throw WorkerConfigurationError(
                key: "kafka.\(property)", source: source,
                problem: "the worker sets this property from its \(setting) setting; use that instead")
        }
        if embeddedBroker && guarantee == .exactlyOnce {
            // The mock cluster drops the offsets sent in a transaction: nothing would ever be
            // committed (KAFKA-TESTING.md).
            throw WorkerConfigurationError(
                key: "processing_guarantee", source: value("processing_guarantee")?.source ?? "",
                problem: "exactly_once needs a Kafka broker; the embedded broker (librdkafka's mock cluster) does not keep the offsets committed in a transaction")
        }
        let model: String? = try value("model") == nil ? nil : string("model", default: "")
        // A worker that reads its own outputs or dead letters would answer them again, forever.
        let topics = [
            ("input_topic", try string("input_topic", default: WorkerTopics.defaultInput)),
            ("output_topic", try string("output_topic", default: WorkerTopics.defaultOutput)),
            ("dead_letter_topic", try string("dead_letter_topic", default: WorkerTopics.defaultDeadLetter)),
        ]
        for (index, (key, topic)) in topics.enumerated() {
            if let (otherKey, _) = topics[..<index].first(where: { $0.1 == topic }) {
                throw WorkerConfigurationError(
                    key: key, source: value(key)?.source ?? "default",
                    problem: "\"\(topic)\" is also the \(otherKey); the input, output and dead-letter topics must differ")
            }
        }
        return WorkerConfiguration(
            bootstrapServers: bootstrapServers,
            groupID: try string("group_id", default: "newsclf-worker"),
            inputTopic: topics[0].1,
            outputTopic: topics[1].1,
            deadLetterTopic: topics[2].1,
            model: model,
            processingGuarantee: guarantee,
            instance: instance,
            transactionalID: try string(
                "transactional_id", default: "newsclf-\(hostName)-\(instance)"),
            batchMaxSize: try integer("batch_max_size", default: 64, range: 1...4096),
            batchMaxWait: .milliseconds(try integer("batch_max_wait_ms", default: 5, range: 0...60_000)),
            maxMessageBytes: try integer(
                "max_message_bytes", default: NewsInput.defaultMaxMessageBytes, range: 1...(1 << 30)),
            maxInFlight: try integer("max_in_flight", default: 4096, range: 1...1_000_000),
            inferenceThreads: try integer(
                "inference_threads", default: min(ProcessInfo.processInfo.activeProcessorCount, 256), range: 1...256),
            drainTimeout: .milliseconds(try integer("drain_timeout_ms", default: 30_000, range: 0...3_600_000)),
            commitInterval: .milliseconds(try integer("commit_interval_ms", default: 1000, range: 0...60_000)),
            metricsAddress: metricsAddress,
            createTopics: try boolean("create_topics"),
            embeddedBroker: embeddedBroker,
            logLevel: logLevel,
            kafkaProperties: kafka)
    }

    /// `host:port` with a non-empty host and a port in 1...65535 (`[::1]:port` for IPv6).
    static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon]
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return false
        }
        return !host.isEmpty
    }
}

/// A setting that cannot be used, with the key and where its value came from.
public struct WorkerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting's key (`batch_max_size`, `kafka.<property>`, or `config` for the file itself).
    public var key: String
    /// Where the value came from: `flag --batch-max-size`, `<file> key batch_max_size`,
    /// `environment NEWSCLF_BATCH_MAX_SIZE`.
    public var source: String
    /// What is wrong with it.
    public var problem: String

    public init(key: String, source: String, problem: String) {
        self.key = key
        self.source = source
        self.problem = problem
    }

    public var description: String { "invalid setting \(key) (\(source)): \(problem)" }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
