import Classification
import ComputeRuntime
import Foundation
import JSON
import Kafka
import RecurrentNetwork
import WireFormat

/// The worker's effective settings, resolved from flags, a JSON configuration file and the
/// environment (DESIGN.md "Interfaces").
///
/// Every key `foo_bar` can be given as the flag `--foo-bar`, as the key `foo_bar` of the file
/// named by `--config`, or as the environment variable `NEWSCLF_FOO_BAR`; the first of those that
/// is present wins. librdkafka properties pass through as `kafka.<property>` (file: a `kafka`
/// object or dotted keys), `NEWSCLF_KAFKA_<PROPERTY>` (underscores become dots) or
/// `--kafka <property>=<value>` (``WorkerKafkaProperties``); they are applied last, on top of
/// the typed settings. The settings and their defaults are the table ``WorkerSetting/all``; a
/// configuration file must be strict JSON (``StrictJSONParser``).
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

    /// `commit_interval_ms`: how often acknowledged offsets are committed (at-least-once);
    /// 0 commits after every batch, 0...60000. Default 1000 ms.
    public var commitInterval: Duration

    /// `startup_timeout_ms`: how long the worker may wait at start for the brokers to answer
    /// and the three topics to exist before it fails (exit 1); 0 waits forever. Default
    /// 60000 ms. Also bounds `newsclf-worker --check`'s wait for the brokers.
    public var startupTimeout: Duration = .milliseconds(60_000)
    /// `partition_assignment`: the group's assignment protocol (librdkafka's
    /// `partition.assignment.strategy`). Default ``defaultPartitionAssignment``. Every member of
    /// a group must use the same one; changing it needs the whole group stopped (README).
    public var partitionAssignment: PartitionAssignment
    /// `static_membership`: join as a static member, `group.instance.id` = ``transactionalID``
    /// (stable per worker across restarts). A restart within `session.timeout.ms` then causes no
    /// rebalance, but a worker that stops is not replaced until `session.timeout.ms` passed
    /// (librdkafka sends no LeaveGroup for a static member). Default off.
    public var staticMembership: Bool
    /// `abstain_below` and `abstain_below_per_label`: when an item abstains (its output marked
    /// `"abstained": true`, the top label kept). Default ``AbstainPolicy/off``. Per-label entries
    /// are checked against the model's labels when it loads (``ModelStore``).
    public var abstainPolicy: AbstainPolicy = .off
    /// `review_topic`: the topic that receives a copy of each abstained item
    /// (``WorkerOutput/reviewCopy(of:label:topic:)``); `nil` (the default): none.
    public var reviewTopic: String? = nil
    /// `shadow_model`: a second checkpoint directory, or a symlink to it (the retraining job's
    /// `shadow`), that classifies the same batches off the output path (``ShadowEvaluator``);
    /// re-resolved on SIGHUP like ``model``. A path that does not exist means no shadow for now.
    /// `nil` (the default): no shadow.
    public var shadowModel: String? = nil
    /// `shadow_topic`: where the shadow's labels go, in the output schema with the header
    /// `newsclf.shadow: true`; `nil` (the default): not published.
    public var shadowTopic: String? = nil
    /// `shadow_sample_rate`: the share of batches the shadow classifies, in (0, 1]; default 1.
    public var shadowSampleRate: Double = 1

    /// The default ``partitionAssignment``, chosen from the rebalance figures on the mock
    /// cluster (README "How the guarantees are tested").
    public static let defaultPartitionAssignment: PartitionAssignment = .eager

    /// The consumer's `group.instance.id`: ``transactionalID`` with ``staticMembership``, else
    /// `nil` (a dynamic member).
    public var groupInstanceID: String? { staticMembership ? transactionalID : nil }

    /// The keys a configuration file, flag or environment variable may set (without `kafka.`),
    /// from the table ``WorkerSetting/all``.
    public static var keys: [String] { WorkerSetting.all.map(\.key) }

    /// The environment variable prefix: `NEWSCLF_` + the key in upper case.
    public static var environmentPrefix: String { WorkerSetting.environmentPrefix }

    /// Resolves the configuration (``WorkerConfigurationResolver``): each setting from the flags,
    /// then the file, then the environment, through swift-configuration's `ConfigReader`.
    ///
    /// - Parameters:
    ///   - flags: values given on the command line, by key (`group_id`, not `--group-id`);
    ///     booleans as `"true"`/`"false"`.
    ///   - kafkaFlags: librdkafka properties given on the command line.
    ///   - configFile: the JSON file of `--config`, if any (strict JSON: ``StrictJSONParser``).
    ///   - environment: the process environment (only `NEWSCLF_*` variables are read;
    ///     `NEWSCLF_MODEL` is left to ``ShippedModel``, which reads it for the default model).
    ///   - hostName: the host name in the default transactional id.
    /// - Throws: ``WorkerConfigurationError`` naming the key and where its value came from.
    public static func resolve(
        flags: [String: String] = [:], kafkaFlags: [String: String] = [:], configFile: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostName: String = ProcessInfo.processInfo.hostName
    ) throws(WorkerConfigurationError) -> WorkerConfiguration {
        for key in flags.keys where WorkerSetting.named(key) == nil {
            throw WorkerConfigurationError(key: key, source: "flag", problem: "unknown setting")
        }
        let file = try configFile.map { url throws(WorkerConfigurationError) in try WorkerConfigurationFile(reading: url) }
        return try WorkerConfigurationResolver(
            flags: flags, kafkaFlags: kafkaFlags, file: file, environment: environment, hostName: hostName
        ).resolve()
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
            return WorkerSetting.named(rest.lowercased()) == nil && rest != "NO_REEXEC"
                && !["KAFKA_", "TEST_", "BENCH_"].contains { rest.hasPrefix($0) }
        }.sorted()
    }

    /// The settings as `key=value` lines, sorted, librdkafka properties as `kafka.<name>`,
    /// secrets masked with ``KafkaRedaction`` (and settings the table marks secret).
    public var redactedDescription: String {
        var lines: [String: String] = [:]
        for setting in WorkerSetting.all {
            lines[setting.key] = setting.isSecret ? KafkaRedaction.mask : setting.describe(self)
        }
        for (name, value) in KafkaRedaction.redacted(kafkaProperties) {
            lines["kafka.\(name)"] = value
        }
        return lines.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "\n")
    }

    /// The consumer's settings: the group, `auto.offset.reset=earliest`, offsets stored by the
    /// worker only; auto-commit of stored offsets for at-least-once, none for exactly-once
    /// (offsets go into the transaction); the ``partitionAssignment`` strategies and, with
    /// ``staticMembership``, `group.instance.id`. ``kafkaProperties`` are applied on top (they
    /// cannot name those two: ``WorkerKafkaProperties/reserved``).
    public var consumerConfiguration: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: bootstrapServers, groupID: groupID)
        configuration.clientID = "newsclf-worker-\(instance)"
        configuration.isAutoCommitEnabled = processingGuarantee == .atLeastOnce
        configuration.isAutoOffsetStoreEnabled = false
        configuration.autoOffsetReset = .earliest
        configuration.isolationLevel = .readCommitted
        configuration.partitionAssignmentStrategy = partitionAssignment.strategies
        configuration.properties = kafkaProperties
        if let groupInstanceID { configuration.properties["group.instance.id"] = groupInstanceID }
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
        configuration.properties = WorkerKafkaProperties.producerProperties(kafkaProperties)
        return configuration
    }

    /// The inference engine's options for ``inferenceThreads``.
    public var inferenceOptions: InferenceEngine.Options {
        InferenceEngine.Options(threadCount: inferenceThreads)
    }

    /// Sets OpenBLAS to one thread per call when the engine runs several threads, so that the
    /// engine's threads do not compete with OpenBLAS's own (as `newsclf classify`/`eval` do);
    /// with ``inferenceThreads`` 1, OpenBLAS keeps its default, unless a ``shadowModel`` is set
    /// (its thread's calls would start a second OpenBLAS pool). Process-wide: call it once,
    /// before the first classification.
    public func configureBLASThreads() {
        if inferenceThreads > 1 || shadowModel != nil { BLAS.setThreadCount(1) }
    }

    /// The ``kafkaProperties`` that apply to an admin client (``WorkerTopics``): those of the
    /// producer.
    public var adminProperties: [String: String] { WorkerKafkaProperties.producerProperties(kafkaProperties) }
}

extension WorkerConfiguration {
    /// A configuration before resolution: every setting is then applied from its value or its
    /// default (``WorkerSetting/all``), so these placeholders never survive.
    init() {
        self.init(
            bootstrapServers: [], groupID: "", inputTopic: "", outputTopic: "", deadLetterTopic: "",
            model: nil, processingGuarantee: .atLeastOnce, instance: "", transactionalID: "",
            batchMaxSize: 1, batchMaxWait: .zero, maxMessageBytes: 1, maxInFlight: 1, inferenceThreads: 1,
            drainTimeout: .zero, metricsAddress: nil, createTopics: false, embeddedBroker: false,
            logLevel: "info", kafkaProperties: [:], commitInterval: .zero,
            partitionAssignment: WorkerConfiguration.defaultPartitionAssignment, staticMembership: false)
    }
}
