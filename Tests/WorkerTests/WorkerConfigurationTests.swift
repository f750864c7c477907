import Foundation
import Kafka
import Testing
import Worker

@Suite struct WorkerConfigurationTests {
    static func writeConfigFile(_ json: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("newsclf-worker-config-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        return url
    }

    static func resolve(
        _ arguments: [String], file: String? = nil, environment: [String: String] = [:]
    ) throws -> WorkerConfiguration {
        var arguments = arguments
        var url: URL?
        if let file {
            url = try writeConfigFile(file)
            arguments += ["--config", url!.path]
        }
        defer { if let url { try? FileManager.default.removeItem(at: url) } }
        return try WorkerOptions.parse(arguments).resolve(environment: environment, hostName: "host1")
    }

    @Test func defaultsFollowTheDesign() throws {
        let configuration = try Self.resolve(["--bootstrap-servers", "broker:9092"])
        #expect(configuration.bootstrapServers == ["broker:9092"])
        #expect(configuration.inputTopic == "news.raw")
        #expect(configuration.outputTopic == "news.labels")
        #expect(configuration.deadLetterTopic == "news.raw.dlq")
        #expect(configuration.processingGuarantee == .atLeastOnce)
        #expect(configuration.batchMaxSize == 64)
        #expect(configuration.batchMaxWait == .milliseconds(5))
        #expect(configuration.metricsAddress == "127.0.0.1:9464")
        #expect(configuration.model == nil)
        #expect(configuration.transactionalID == "newsclf-host1-default")
    }

    @Test func aFlagWinsOverTheFileWhichWinsOverTheEnvironment() throws {
        let configuration = try Self.resolve(
            ["--bootstrap-servers", "flag:1", "--batch-max-size", "8"],
            file: #"{"bootstrap_servers": "file:1", "batch_max_size": 16, "group_id": "file-group", "input_topic": "file.in"}"#,
            environment: [
                "NEWSCLF_BOOTSTRAP_SERVERS": "env:1", "NEWSCLF_BATCH_MAX_SIZE": "32",
                "NEWSCLF_GROUP_ID": "env-group", "NEWSCLF_OUTPUT_TOPIC": "env.out",
            ])
        #expect(configuration.bootstrapServers == ["flag:1"])
        #expect(configuration.batchMaxSize == 8)
        #expect(configuration.groupID == "file-group")
        #expect(configuration.inputTopic == "file.in")
        #expect(configuration.outputTopic == "env.out")
    }

    @Test func kafkaPropertiesComeFromEveryLayerWithTheSamePrecedence() throws {
        let configuration = try Self.resolve(
            ["--bootstrap-servers", "b:1", "--kafka", "security.protocol=SASL_SSL"],
            file: #"{"kafka": {"sasl.mechanisms": "PLAIN", "security.protocol": "SSL"}, "kafka.client.rack": "r1"}"#,
            environment: ["NEWSCLF_KAFKA_SASL_USERNAME": "user", "NEWSCLF_KAFKA_SASL_MECHANISMS": "SCRAM"])
        #expect(
            configuration.kafkaProperties == [
                "security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "client.rack": "r1",
                "sasl.username": "user",
            ])
        #expect(configuration.consumerConfiguration.librdkafkaProperties["sasl.username"] == "user")
        #expect(configuration.producerConfiguration.librdkafkaProperties["security.protocol"] == "SASL_SSL")
    }

    @Test func printedConfigurationMasksSecrets() throws {
        let configuration = try Self.resolve(
            ["--bootstrap-servers", "b:1"], environment: ["NEWSCLF_KAFKA_SASL_PASSWORD": "hunter2"])
        let text = configuration.redactedDescription
        #expect(!text.contains("hunter2"))
        #expect(text.contains("kafka.sasl.password=\(KafkaRedaction.mask)"))
        #expect(text.contains("batch_max_size=64"))
    }

    @Test func exactlyOnceMakesTheProducerTransactionalAndTurnsAutoCommitOff() throws {
        let configuration = try Self.resolve(
            ["--bootstrap-servers", "b:1", "--processing-guarantee", "exactly_once", "--instance", "3"])
        #expect(configuration.producerConfiguration.transactionalID == "newsclf-host1-3")
        #expect(configuration.consumerConfiguration.isAutoCommitEnabled == false)
    }

    @Test func embeddedBrokerNeedsNoBootstrapServers() throws {
        let configuration = try Self.resolve(["--embedded-broker"])
        #expect(configuration.embeddedBroker)
        #expect(configuration.bootstrapServers.isEmpty)
    }

    @Test func anEmptyMetricsAddressTurnsTheServerOff() throws {
        let configuration = try Self.resolve(["--bootstrap-servers", "b:1", "--metrics-address", ""])
        #expect(configuration.metricsAddress == nil)
    }

    @Test func missingBootstrapServersIsAnError() throws {
        #expect(throws: WorkerConfigurationError.self) { try Self.resolve([]) }
    }

    @Test func aBatchSizeOutOfRangeIsAnErrorNamingTheFlag() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1", "--batch-max-size", "0"])
        }
        #expect(error?.key == "batch_max_size")
        #expect(error?.source == "flag --batch-max-size")
    }

    @Test func inferenceThreadsDefaultToTheCPUCountAndSetTheEngineOptions() throws {
        let configuration = try Self.resolve(["--bootstrap-servers", "b:1"])
        #expect(configuration.inferenceThreads == ProcessInfo.processInfo.activeProcessorCount)
        let three = try Self.resolve(["--bootstrap-servers", "b:1"], environment: ["NEWSCLF_INFERENCE_THREADS": "3"])
        #expect(three.inferenceThreads == 3)
        #expect(three.inferenceOptions.threadCount == 3)
        #expect(three.redactedDescription.contains("inference_threads=3"))
    }

    @Test func zeroInferenceThreadsIsAnErrorNamingTheFlag() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1", "--inference-threads", "0"])
        }
        #expect(error?.key == "inference_threads")
        #expect(error?.source == "flag --inference-threads")
    }

    @Test func aNonIntegerFromTheEnvironmentIsAnErrorNamingTheVariable() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], environment: ["NEWSCLF_BATCH_MAX_WAIT_MS": "soon"])
        }
        #expect(error?.source == "environment NEWSCLF_BATCH_MAX_WAIT_MS")
    }

    @Test func anUnknownGuaranteeIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1", "--processing-guarantee", "at_most_once"])
        }
        #expect(error?.key == "processing_guarantee")
    }

    @Test func anUnknownFileKeyIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], file: #"{"batch_size": 3}"#)
        }
        #expect(error?.key == "batch_size")
    }

    @Test func aFileThatIsNotJSONIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], file: "batch_max_size = 3")
        }
        #expect(error?.key == "config")
    }

    @Test func aBootstrapServerWithoutAPortIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "broker"])
        }
        #expect(error?.key == "bootstrap_servers")
    }

    @Test func aKafkaFlagWithoutAValueIsAnError() throws {
        #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1", "--kafka", "acks"])
        }
    }

    /// A worker reading its own outputs would answer them again, forever (a dead letter of a
    /// dead letter of …).
    @Test(arguments: [
        (["--dead-letter-topic", "news.raw"], "dead_letter_topic", "input_topic"),
        (["--output-topic", "news.raw"], "output_topic", "input_topic"),
        (["--input-topic", "in", "--output-topic", "out", "--dead-letter-topic", "out"], "dead_letter_topic", "output_topic"),
    ])
    func topicsThatOverlapAreAnError(flags: [String], key: String, other: String) throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"] + flags)
        }
        #expect(error?.key == key)
        #expect(error?.source == "flag --\(key.replacingOccurrences(of: "_", with: "-"))")
        #expect(error?.problem.contains("is also the \(other)") == true, "\(String(describing: error))")
    }

    @Test func anEmptyTopicIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], environment: ["NEWSCLF_OUTPUT_TOPIC": ""])
        }
        #expect(error?.key == "output_topic")
        #expect(error?.source == "environment NEWSCLF_OUTPUT_TOPIC")
        #expect(error?.problem == "must not be empty")
    }

    @Test func kafkaPropertiesTheWorkerSetsItselfAreRefused() throws {
        let flag = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1", "--kafka", "enable.auto.commit=false"])
        }
        #expect(flag?.key == "kafka.enable.auto.commit")
        #expect(flag?.source == "flag --kafka")
        #expect(flag?.problem.contains("processing_guarantee") == true)
        let environment = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], environment: ["NEWSCLF_KAFKA_GROUP_ID": "g"])
        }
        #expect(environment?.key == "kafka.group.id")
        #expect(environment?.source == "environment NEWSCLF_KAFKA_GROUP_ID")
        #expect(environment?.problem.contains("group_id") == true)
    }

    @Test func misspeltEnvironmentVariablesAreReported() {
        let environment = [
            "NEWSCLF_BATCH_MAXSIZE": "3", "NEWSCLF_BATCH_MAX_SIZE": "3", "NEWSCLF_KAFKA_ACKS": "all",
            "NEWSCLF_MODEL": "/m", "NEWSCLF_NO_REEXEC": "1", "NEWSCLF_TEST_KAFKA_BOOTSTRAP": "b:1",
            "NEWSCLF_GROUPID": "g", "HOME": "/root",
        ]
        #expect(WorkerConfiguration.unknownEnvironmentVariables(in: environment) == ["NEWSCLF_BATCH_MAXSIZE", "NEWSCLF_GROUPID"])
    }

    @Test func exactlyOnceOnTheEmbeddedBrokerIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--embedded-broker", "--processing-guarantee", "exactly_once"])
        }
        #expect(error?.key == "processing_guarantee")
        #expect(error?.problem.contains("mock cluster") == true)
    }

    @Test func bootstrapServersWithNoServerInThemNameTheValue() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", ",,,"])
        }
        #expect(error?.source == "flag --bootstrap-servers")
        #expect(error?.problem == #"no host:port in ",,,""#)
    }

    @Test func anUnknownLogLevelIsAnError() throws {
        #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1", "--log-level", "loud"])
        }
    }

    @Test func commitIntervalDefaultsToOneSecondAndFollowsThePrecedence() throws {
        #expect(try Self.resolve(["--bootstrap-servers", "b:1"]).commitInterval == .milliseconds(1000))
        let environment = ["NEWSCLF_COMMIT_INTERVAL_MS": "300"]
        #expect(try Self.resolve(["--bootstrap-servers", "b:1"], environment: environment).commitInterval == .milliseconds(300))
        let file = #"{"commit_interval_ms": 200}"#
        #expect(
            try Self.resolve(["--bootstrap-servers", "b:1"], file: file, environment: environment).commitInterval
                == .milliseconds(200))
        let all = try Self.resolve(
            ["--bootstrap-servers", "b:1", "--commit-interval-ms", "0"], file: file, environment: environment)
        #expect(all.commitInterval == .zero)
        #expect(all.redactedDescription.contains("commit_interval_ms=0"))
    }

    @Test func aCommitIntervalOutOfRangeIsAnErrorNamingTheFileKey() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], file: #"{"commit_interval_ms": 60001}"#)
        }
        #expect(error?.key == "commit_interval_ms")
        #expect(error?.source.hasSuffix(" key commit_interval_ms") == true)
        #expect(error?.problem == "60001 is outside 0...60000")
    }

    @Test func oneKafkaPropertyInEveryLayerTakesTheFlag() throws {
        let environment = ["NEWSCLF_KAFKA_CLIENT_RACK": "env-rack", "NEWSCLF_KAFKA_LINGER_MS": "7", "NEWSCLF_KAFKA_ACKS": "1"]
        let file = #"{"kafka": {"client.rack": "file-rack", "linger.ms": 9}}"#
        let configuration = try Self.resolve(
            ["--bootstrap-servers", "b:1", "--kafka", "client.rack=flag-rack"], file: file, environment: environment)
        #expect(configuration.kafkaProperties["client.rack"] == "flag-rack")
        #expect(configuration.kafkaProperties["linger.ms"] == "9")
        #expect(configuration.kafkaProperties["acks"] == "1")
    }

    @Test func aKafkaValueWithCommasIsKeptWhole() throws {
        let configuration = try Self.resolve(["--bootstrap-servers", "b:1", "--kafka", "debug=broker,topic,msg"])
        #expect(configuration.kafkaProperties["debug"] == "broker,topic,msg")
    }

    @Test func secretsAreMaskedInThePrintedConfigurationFromEveryLayer() throws {
        let configuration = try Self.resolve(
            ["--bootstrap-servers", "b:1", "--kafka", "ssl.key.password=flag-secret"],
            file: #"{"kafka": {"sasl.oauthbearer.client.secret": "file-secret"}, "kafka.sasl.username": "alice"}"#,
            environment: ["NEWSCLF_KAFKA_SASL_PASSWORD": "env-secret"])
        let text = configuration.redactedDescription
        for secret in ["flag-secret", "file-secret", "env-secret"] {
            #expect(!text.contains(secret), "\(secret) is masked")
        }
        #expect(text.contains("kafka.ssl.key.password=\(KafkaRedaction.mask)"))
        #expect(text.contains("kafka.sasl.oauthbearer.client.secret=\(KafkaRedaction.mask)"))
        #expect(text.contains("kafka.sasl.password=\(KafkaRedaction.mask)"))
        #expect(text.contains("kafka.sasl.username=alice"))
        #expect(configuration.kafkaProperties["sasl.password"] == "env-secret")
    }

    @Test func thePrintedConfigurationHasALinePerSetting() throws {
        let lines = try Self.resolve(["--bootstrap-servers", "b:1"]).redactedDescription.split(separator: "\n")
        #expect(lines.map { String($0.prefix { $0 != "=" }) } == WorkerConfiguration.keys.sorted())
    }

    @Test func aDuplicateKeyInTheFileIsRefusedWithItsLineAndColumn() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(
                ["--bootstrap-servers", "b:1"], file: "{\n  \"batch_max_size\": 8,\n  \"batch_max_size\": 16\n}")
        }
        #expect(error?.key == "config")
        #expect(error?.source.hasSuffix(".json line 3, column 3") == true, "\(String(describing: error))")
        #expect(error?.problem == #"duplicate key "batch_max_size" (first at line 2)"#)
        #expect(error?.description.hasPrefix("invalid setting config (/") == true)
    }

    @Test func aTrailingCommaInTheFilesKafkaObjectIsRefused() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], file: "{\"kafka\": {\"acks\": \"all\",\n}}")
        }
        #expect(error?.key == "config")
        #expect(error?.source.hasSuffix(".json line 1, column 25") == true, "\(String(describing: error))")
        #expect(error?.problem == #"trailing comma before "}""#)
    }

    @Test func aDuplicateKafkaPropertyInTheFileIsRefused() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], file: #"{"kafka": {"acks": "1", "acks": "all"}}"#)
        }
        #expect(error?.problem == #"duplicate key "acks" (first at line 1)"#)
    }

    @Test func aValidFileWithEveryKindOfValueIsAccepted() throws {
        let configuration = try Self.resolve(
            [],
            file: """
                {
                  "bootstrap_servers": ["a:1", "b:2"],
                  "batch_max_size": 16,
                  "create_topics": true,
                  "model": null,
                  "max_in_flight": "100",
                  "kafka": {"linger.ms": 5}
                }
                """)
        #expect(configuration.bootstrapServers == ["a:1", "b:2"])
        #expect(configuration.batchMaxSize == 16)
        #expect(configuration.createTopics)
        #expect(configuration.model == nil)
        #expect(configuration.maxInFlight == 100)
        #expect(configuration.kafkaProperties == ["linger.ms": "5"])
    }

    @Test func theDeployedExampleFileIsStrictJSONAndResolves() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/worker.json.example")
        let configuration = try WorkerConfiguration.resolve(configFile: example, environment: [:], hostName: "h")
        #expect(configuration.bootstrapServers.count == 2)
        #expect(configuration.commitInterval == .milliseconds(1000))
        #expect(configuration.kafkaProperties["security.protocol"] == "plaintext")
    }

    @Test func aKafkaPropertyInTheObjectAndAsADottedKeyIsRefused() throws {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--bootstrap-servers", "b:1"], file: #"{"kafka": {"acks": "1"}, "kafka.acks": "all"}"#)
        }
        #expect(error?.key == "kafka.acks")
        #expect(error?.problem == #"given twice: also as "acks" in the "kafka" object"#)
    }
}
