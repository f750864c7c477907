import Configuration
import Foundation
import Kafka
import Synchronization

/// Resolves a ``WorkerConfiguration`` with swift-configuration: one `ConfigReader` over three
/// providers in precedence order — the flags (`CommandLineArgumentsProvider`), the `--config`
/// file (an `InMemoryProvider` of the strictly parsed ``WorkerConfigurationFile``), the
/// environment (`EnvironmentVariablesProvider`, keys prefixed `NEWSCLF_`) — reading each setting
/// of ``WorkerSetting/all`` and each librdkafka property, secrets marked secret.
///
/// An access reporter records which provider answered each key, so that an error names the
/// flag, file key or variable the value came from. What the reader cannot do stays here: it
/// cannot list keys, so the librdkafka property names are collected from each layer
/// (``WorkerKafkaProperties``), and the checks that span settings (bootstrap servers required
/// unless embedded, distinct topics, reserved properties) run after the settings are read.
struct WorkerConfigurationResolver {
    /// The flags given, by key.
    var flags: [String: String]
    /// The `--kafka` properties, by name.
    var kafkaFlags: [String: String]
    /// The `--config` file, read.
    var file: WorkerConfigurationFile?
    /// The process environment.
    var environment: [String: String]
    /// The host name in the default transactional id.
    var hostName: String

    /// A provider's place in the precedence, and how an error names a value it gave.
    private enum Layer {
        case flags, file(path: String), environment

        func source(ofSetting key: String) -> String {
            switch self {
            case .flags: "flag --\(key.replacingOccurrences(of: "_", with: "-"))"
            case .file(let path): "\(path) key \(key)"
            case .environment: "environment \(WorkerSetting.environmentPrefix)\(key.uppercased())"
            }
        }

        func source(ofKafkaProperty name: String) -> String {
            switch self {
            case .flags: "flag --kafka"
            case .file: "config file"
            case .environment: "environment \(WorkerKafkaProperties.environmentVariable(property: name))"
            }
        }
    }

    func resolve() throws(WorkerConfigurationError) -> WorkerConfiguration {
        var layers: [Layer] = [.flags]
        var providers: [any ConfigProvider] = [commandLineProvider()]
        if let file {
            layers.append(.file(path: file.path))
            providers.append(fileProvider(file))
        }
        layers.append(.environment)
        providers.append(environmentProvider())
        let origins = ValueOrigins()
        let reader = ConfigReader(providers: providers, accessReporter: origins)

        var configuration = WorkerConfiguration()
        var sources: [String: String] = [:]
        for setting in WorkerSetting.all {
            let key = ConfigKey([setting.key])
            let value: SettingValue?
            // Read as a string array and joined again: the command-line provider splits a value
            // at its commas (`--bootstrap-servers a:1,b:1`), the others keep the text whole.
            if let parts = reader.stringArray(forKey: key, isSecret: setting.isSecret),
                let layer = origins.provider(of: key).map({ layers[$0] })
            {
                let source = layer.source(ofSetting: setting.key)
                sources[setting.key] = source
                value = SettingValue(key: setting.key, text: parts.joined(separator: ","), source: source)
            } else if let text = setting.defaultText(configuration, hostName) {
                value = SettingValue(key: setting.key, text: text, source: "default")
            } else {
                value = nil
            }
            try setting.apply(value, &configuration)
        }
        configuration.kafkaProperties = try kafkaProperties(reader: reader, origins: origins, layers: layers)
        try checkCombinations(configuration, sources: sources)
        return configuration
    }

    // MARK: Providers

    /// The flags as `--foo-bar=value` and `--kafka-<property>=value`; a key `foo_bar` is looked
    /// up as `--foo-bar` (the key's words become the provider's key components).
    private func commandLineProvider() -> some ConfigProvider {
        let arguments =
            ["newsclf-worker"]
            + flags.sorted { $0.key < $1.key }.map { "--\($0.key.replacingOccurrences(of: "_", with: "-"))=\($0.value)" }
            + kafkaFlags.sorted { $0.key < $1.key }.map { "--kafka-\($0.key)=\($0.value)" }
        return CommandLineArgumentsProvider(
            arguments: arguments,
            secretsSpecifier: .dynamic { flag, _ in flag.hasPrefix("--kafka-") && KafkaRedaction.isSensitive(flag) }
        ).mapKeys { key in
            guard key.components.first != "kafka" else { return key }
            return AbsoluteConfigKey(key.components.flatMap { $0.split(separator: "_").map(String.init) })
        }
    }

    private func fileProvider(_ file: WorkerConfigurationFile) -> InMemoryProvider {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, text) in file.settings {
            values[AbsoluteConfigKey([key])] = ConfigValue(
                .stringArray([text]), isSecret: WorkerSetting.named(key)?.isSecret ?? false)
        }
        for (name, text) in file.kafkaProperties {
            values[AbsoluteConfigKey(["kafka", name])] = ConfigValue(
                .stringArray([text]), isSecret: KafkaRedaction.isSensitive(name))
        }
        return InMemoryProvider(name: file.path, values: values)
    }

    /// The `NEWSCLF_*` variables (names in upper case), looked up with the prefix `newsclf`.
    private func environmentProvider() -> some ConfigProvider {
        var variables: [String: String] = [:]
        for (name, value) in environment where name.uppercased().hasPrefix(WorkerSetting.environmentPrefix) {
            variables[name.uppercased()] = value
        }
        return EnvironmentVariablesProvider(
            environmentVariables: variables,
            secretsSpecifier: .dynamic { name, _ in
                WorkerKafkaProperties.property(environmentVariable: name).map(KafkaRedaction.isSensitive) ?? false
            }
        ).prefixKeys(with: ConfigKey(["newsclf"]))
    }

    // MARK: librdkafka properties

    /// Every property named in a layer, read through `reader` (so in the same precedence).
    private func kafkaProperties(
        reader: ConfigReader, origins: ValueOrigins, layers: [Layer]
    ) throws(WorkerConfigurationError) -> [String: String] {
        var names = Set(kafkaFlags.keys)
        if let file { names.formUnion(file.kafkaProperties.keys) }
        for name in environment.keys {
            if let property = WorkerKafkaProperties.property(environmentVariable: name) { names.insert(property) }
        }
        if names.contains("") {
            throw WorkerConfigurationError(key: "kafka.", source: "kafka properties", problem: "empty property name")
        }
        var properties: [String: String] = [:]
        var sources: [String: String] = [:]
        for name in names {
            let key = ConfigKey(["kafka", name])
            guard let parts = reader.stringArray(forKey: key, isSecret: KafkaRedaction.isSensitive(name)) else {
                continue  // `null` in the file, and nowhere else
            }
            properties[name] = parts.joined(separator: ",")
            sources[name] = origins.provider(of: key).map { layers[$0].source(ofKafkaProperty: name) }
        }
        for (property, setting) in WorkerKafkaProperties.reserved where properties[property] != nil {
            throw WorkerConfigurationError(
                key: "kafka.\(property)", source: sources[property] ?? "kafka properties",
                problem: "the worker sets this property from its \(setting) setting; use that instead")
        }
        return properties
    }

    // MARK: Checks across settings

    private func checkCombinations(
        _ configuration: WorkerConfiguration, sources: [String: String]
    ) throws(WorkerConfigurationError) {
        if configuration.bootstrapServers.isEmpty && !configuration.embeddedBroker {
            throw WorkerConfigurationError(
                key: "bootstrap_servers", source: sources["bootstrap_servers"] ?? "(not set)",
                problem: sources["bootstrap_servers"] == nil
                    ? "required (or use --embedded-broker)" : "no host:port in \"\(givenText("bootstrap_servers"))\"")
        }
        if configuration.embeddedBroker && configuration.processingGuarantee == .exactlyOnce {
            // The mock cluster drops the offsets sent in a transaction: nothing would ever be
            // committed (KAFKA-TESTING.md).
            throw WorkerConfigurationError(
                key: "processing_guarantee", source: sources["processing_guarantee"] ?? "",
                problem: "exactly_once needs a Kafka broker; the embedded broker (librdkafka's mock cluster) does not keep the offsets committed in a transaction")
        }
        // A worker that reads its own outputs or dead letters would answer them again, forever.
        let topics = [
            ("input_topic", configuration.inputTopic), ("output_topic", configuration.outputTopic),
            ("dead_letter_topic", configuration.deadLetterTopic),
        ] + (configuration.reviewTopic.map { [("review_topic", $0)] } ?? [])
            + (configuration.shadowTopic.map { [("shadow_topic", $0)] } ?? [])
        for (index, (key, topic)) in topics.enumerated() {
            if let (otherKey, _) = topics[..<index].first(where: { $0.1 == topic }) {
                throw WorkerConfigurationError(
                    key: key, source: sources[key] ?? "default",
                    problem: "\"\(topic)\" is also the \(otherKey); the input, output, dead-letter, review and shadow topics must differ")
            }
        }
    }

    /// The text given for `key` in the layer that won (for a message about the whole value).
    private func givenText(_ key: String) -> String {
        flags[key] ?? file?.settings[key] ?? environment[WorkerSetting.environmentPrefix + key.uppercased()] ?? ""
    }
}

/// Records which provider (by its index in the reader's list) gave the value of each key read:
/// swift-configuration reports every access with each provider's result, in precedence order.
private final class ValueOrigins: AccessReporter, Sendable {
    private let origins = Mutex<[[String]: Int]>([:])

    func report(_ event: AccessEvent) {
        let index = event.providerResults.firstIndex { result in
            (try? result.result.get())?.value != nil
        }
        origins.withLock { $0[event.metadata.key.components] = index }
    }

    /// The index of the provider that gave `key`'s value, if one did.
    func provider(of key: ConfigKey) -> Int? {
        origins.withLock { $0[key.components] }
    }
}
