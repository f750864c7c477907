import ArgumentParser
import Foundation

/// The worker's command line: `--config`, `--kafka NAME=VALUE`, `--print-config`, `--check`, and one flag per
/// setting of ``WorkerSetting/all`` (`--foo-bar` for `foo_bar`, all optional, so that a flag left
/// out falls through to the configuration file and the environment).
///
/// ArgumentParser parses the first four and prints `--help`; the settings' flags are collected
/// as they come (`@Argument(parsing: .allUnrecognized)`) and checked against the table by
/// ``resolve(environment:hostName:)`` (an unknown flag is a ``WorkerConfigurationError``, exit 2),
/// and their help text is generated from the same table.
public struct WorkerOptions: ParsableArguments, Sendable {
    @Option(help: "A JSON configuration file (keys as the flags, with underscores; strict JSON).")
    public var config: String?
    @Option(name: .customLong("kafka"), help: "A librdkafka property, NAME=VALUE (repeatable).")
    public var kafkaProperties: [String] = []
    @Flag(help: "Print the effective configuration (secrets masked) and exit.")
    public var printConfig = false
    @Flag(
        help: ArgumentHelp(
            "Check the brokers, the three topics and the model, print one line per check, and exit: 0 when all pass, 1 otherwise.",
            discussion: "Waits for the brokers at most startup_timeout_ms; joins no group. For operators and ExecStartPre=."))
    public var check = false
    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp("The settings, --KEY VALUE; each is listed below.", discussion: WorkerSetting.helpText, valueName: "settings"))
    public var settingArguments: [String] = []

    public init() {}

    /// The settings given as flags, by configuration key (booleans as `"true"`/`"false"`).
    /// - Throws: ``WorkerConfigurationError`` for an unknown flag or a flag without its value.
    public func flagValues() throws(WorkerConfigurationError) -> [String: String] {
        try WorkerSettingFlags.parse(settingArguments)
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
            flags: try flagValues(), kafkaFlags: try kafkaFlagValues(),
            configFile: config.map { URL(fileURLWithPath: $0) }, environment: environment,
            hostName: hostName)
    }
}
