import Classification
import ComputeRuntime
import Foundation
import JSON
import RecurrentNetwork
import WireFormat

extension WorkerSetting {
    /// Every setting, in `--help` order. A setting's default may read those before it
    /// (`transactional_id` names the `instance`).
    public static let all: [WorkerSetting] = [
        WorkerSetting(
            key: "bootstrap_servers", valueName: "<host:port,…>",
            defaultDescription: "— (required unless embedded_broker)",
            summary: "The initial Kafka brokers.", isSecret: false, isBoolean: false,
            defaultText: { _, _ in nil },
            apply: { value, configuration throws(WorkerConfigurationError) in
                // Required-ness depends on embedded_broker: WorkerConfigurationResolver checks it.
                guard let value else { return }
                let servers = value.text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
                for server in servers where !SettingValue.isHostPort(server) {
                    throw value.failure("\"\(server)\" is not host:port")
                }
                configuration.bootstrapServers = servers
            },
            describe: { $0.bootstrapServers.joined(separator: ",") }),
        .text(
            "group_id", \.groupID, default: "newsclf-worker",
            summary: "The consumer group; start more workers with the same id to scale out."),
        .text("input_topic", \.inputTopic, default: WorkerTopics.defaultInput, summary: "The topic of news items."),
        .text("output_topic", \.outputTopic, default: WorkerTopics.defaultOutput, summary: "The topic of labels."),
        .text(
            "dead_letter_topic", \.deadLetterTopic, default: WorkerTopics.defaultDeadLetter,
            summary: "The topic of inputs that cannot be classified."),
        WorkerSetting(
            key: "model", valueName: "<path>", defaultDescription: "the shipped model",
            summary: "The checkpoint directory, or a symlink to it (re-resolved on SIGHUP).",
            isSecret: false, isBoolean: false, defaultText: { _, _ in nil },
            apply: { value, configuration throws(WorkerConfigurationError) in
                configuration.model = try value?.nonEmpty()
            },
            describe: { $0.model ?? "(shipped model)" }),
        WorkerSetting(
            key: "processing_guarantee",
            valueName: "<\(ProcessingGuarantee.allCases.map(\.rawValue).joined(separator: "|"))>",
            defaultDescription: "`\(ProcessingGuarantee.atLeastOnce.rawValue)`",
            summary: "at_least_once, or exactly_once (a transactional producer; needs a Kafka broker).",
            isSecret: false, isBoolean: false, defaultText: { _, _ in ProcessingGuarantee.atLeastOnce.rawValue },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let text = try value.nonEmpty()
                guard let guarantee = ProcessingGuarantee(rawValue: text) else {
                    throw value.failure(
                        "\"\(text)\" is not one of \(ProcessingGuarantee.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                configuration.processingGuarantee = guarantee
            },
            describe: { $0.processingGuarantee.rawValue }),
        .text(
            "instance", \.instance, default: "default",
            summary: "This worker's name among its peers on a host (the systemd instance, %i)."),
        .text(
            "transactional_id", \.transactionalID, default: "`newsclf-<hostname>-<instance>`",
            summary: "The transactional producer's id for exactly_once, stable across restarts of the same instance.",
            defaultText: { resolved, hostName in "newsclf-\(hostName)-\(resolved.instance)" }),
        .integer(
            "batch_max_size", \.batchMaxSize, default: 64, range: 1...4096,
            summary: "The most items classified together, 1...4096."),
        .milliseconds(
            "batch_max_wait_ms", \.batchMaxWait, default: 5, range: 0...60_000,
            summary: "Milliseconds a poll waits to fill a batch after its first item, 0...60000."),
        .integer(
            "max_message_bytes", \.maxMessageBytes, default: NewsInput.defaultMaxMessageBytes, range: 1...(1 << 30),
            summary: "Larger input messages are dead letters (too_large)."),
        .integer(
            "max_in_flight", \.maxInFlight, default: 4096, range: 1...1_000_000,
            summary: "The most inputs read but not yet answered; above it the partitions are paused."),
        .integer(
            "inference_threads", \.inferenceThreads, default: "the CPU count", range: 1...256,
            summary: "Threads that classify one batch, 1...256; above 1, OpenBLAS runs single-threaded.",
            defaultValue: { min(ProcessInfo.processInfo.activeProcessorCount, 256) }),
        .milliseconds(
            "drain_timeout_ms", \.drainTimeout, default: 30_000, range: 0...3_600_000,
            summary: "Milliseconds a shutdown may wait for outstanding outputs."),
        .milliseconds(
            "commit_interval_ms", \.commitInterval, default: 1000, range: 0...60_000,
            summary: "How often acknowledged offsets are committed (at-least-once); 0 commits after every batch."),
        .milliseconds(
            "startup_timeout_ms", \.startupTimeout, default: 60_000, range: 0...3_600_000,
            summary: "Milliseconds the start may wait for the brokers and the three topics before it fails (exit 1); 0 waits forever."),
        // Rebalances (issue 13 item 2): the assignment protocol and static membership.
        WorkerSetting(
            key: "partition_assignment",
            valueName: "<\(PartitionAssignment.allCases.map(\.rawValue).joined(separator: "|"))>",
            defaultDescription: "`\(WorkerConfiguration.defaultPartitionAssignment.rawValue)`",
            summary: "eager (range,roundrobin) or cooperative_sticky; every member of a group must use the same.",
            isSecret: false, isBoolean: false,
            defaultText: { _, _ in WorkerConfiguration.defaultPartitionAssignment.rawValue },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let text = try value.nonEmpty()
                guard let assignment = PartitionAssignment(rawValue: text) else {
                    throw value.failure(
                        "\"\(text)\" is not one of \(PartitionAssignment.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                configuration.partitionAssignment = assignment
            },
            describe: { $0.partitionAssignment.rawValue }),
        // Confidence (issue 14 item 2): abstaining and the review topic.
        WorkerSetting(
            key: AbstainPolicy.thresholdKey, valueName: "<p>", defaultDescription: "off",
            summary: "Mark a label \"abstained\": true when its probability is below p, in (0, 1) (newsclf eval --target-accuracy picks p).",
            isSecret: false, isBoolean: false, defaultText: { _, _ in nil },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let text = value.trimmed
                if text.isEmpty { return }
                guard let threshold = Float(text), threshold.isFinite, threshold > 0, threshold < 1 else {
                    throw value.failure("\"\(value.text)\" is not a probability strictly between 0 and 1")
                }
                configuration.abstainPolicy.threshold = threshold
            },
            describe: { $0.abstainPolicy.threshold.map { "\($0)" } ?? "" }),
        WorkerSetting(
            key: AbstainPolicy.perLabelKey, valueName: "<Label=p,…>", defaultDescription: "none",
            summary: "Per-label abstain thresholds, overriding abstain_below for that top label (file: an object).",
            isSecret: false, isBoolean: false, defaultText: { _, _ in nil },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                do throws(AbstainPolicyError) {
                    configuration.abstainPolicy.perLabel = try AbstainPolicy.parsePerLabel(value.text)
                } catch {
                    throw value.failure(error.key == AbstainPolicy.perLabelKey ? error.problem : "\(error)")
                }
            },
            describe: { AbstainPolicy.perLabelText($0.abstainPolicy.perLabel) }),
        WorkerSetting(
            key: "review_topic", valueName: "<name>", defaultDescription: "none",
            summary: "The topic that gets a copy of each abstained item ({\"input\", \"output\"}) for a person to label.",
            isSecret: false, isBoolean: false, defaultText: { _, _ in nil },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let name = value.trimmed
                configuration.reviewTopic = name.isEmpty ? nil : name
            },
            describe: { $0.reviewTopic ?? "" }),
        // Shadow evaluation (issue 15 item 3): a second model on the same batches, off the
        // output path.
        WorkerSetting(
            key: "shadow_model", valueName: "<path>", defaultDescription: "none",
            summary: "A checkpoint (or symlink) that also classifies each batch, off the output path; re-resolved on SIGHUP.",
            isSecret: false, isBoolean: false, defaultText: { _, _ in nil },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let path = value.trimmed
                configuration.shadowModel = path.isEmpty ? nil : path
            },
            describe: { $0.shadowModel ?? "" }),
        WorkerSetting(
            key: "shadow_topic", valueName: "<name>", defaultDescription: "none",
            summary: "The topic of the shadow model's labels (output schema, header newsclf.shadow: true).",
            isSecret: false, isBoolean: false, defaultText: { _, _ in nil },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let name = value.trimmed
                configuration.shadowTopic = name.isEmpty ? nil : name
            },
            describe: { $0.shadowTopic ?? "" }),
        WorkerSetting(
            key: "shadow_sample_rate", valueName: "<r>", defaultDescription: "1",
            summary: "The share of batches the shadow model classifies, in (0, 1].",
            isSecret: false, isBoolean: false, defaultText: { _, _ in "1" },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let text = value.trimmed
                guard let rate = Double(text), rate.isFinite, rate > 0, rate <= 1 else {
                    throw value.failure("\"\(value.text)\" is not a share in (0, 1]")
                }
                configuration.shadowSampleRate = rate
            },
            describe: { "\($0.shadowSampleRate)" }),
        .boolean(
            "static_membership", \.staticMembership,
            summary: "Static group membership (group.instance.id = transactional_id): restarts cause no rebalance."),
        WorkerSetting(
            key: "metrics_address", valueName: "<host:port>", defaultDescription: "`127.0.0.1:9464`",
            summary: "host:port of /metrics, /healthz and /readyz; empty turns the server off.",
            isSecret: false, isBoolean: false, defaultText: { _, _ in "127.0.0.1:9464" },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                let address = value.trimmed
                guard !address.isEmpty else {
                    configuration.metricsAddress = nil
                    return
                }
                guard SettingValue.isHostPort(address) else { throw value.failure("\"\(address)\" is not host:port") }
                configuration.metricsAddress = address
            },
            describe: { $0.metricsAddress ?? "" }),
        .boolean("create_topics", \.createTopics, summary: "Create the three topics before starting."),
        .boolean(
            "embedded_broker", \.embeddedBroker,
            summary: "Start an in-process mock Kafka cluster (librdkafka's) and run against it."),
        .choice(
            "log_level", \.logLevel, default: "info",
            choices: ["trace", "debug", "info", "notice", "warning", "error", "critical"],
            summary: "The swift-log level."),
    ]
}
