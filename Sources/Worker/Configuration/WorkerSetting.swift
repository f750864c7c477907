import Foundation

/// One setting of the worker, in one place: its key, its default, what it means, how its text is
/// checked and converted, and which ``WorkerConfiguration`` property it sets.
///
/// ``all`` (the table) is the only list of settings: the keys a flag, the configuration file or
/// an environment variable may set, `newsclf-worker --help`, ``WorkerConfiguration/redactedDescription``
/// and the resolver all come from it. A setting `foo_bar` is the flag `--foo-bar`, the file key
/// `foo_bar` and the environment variable `NEWSCLF_FOO_BAR`.
public struct WorkerSetting: Sendable {
    /// The key, `foo_bar`.
    public let key: String
    /// What the value looks like in `--help` (`<n>`, `<host:port>`); empty for a boolean flag.
    public let valueName: String
    /// The default as `--help` and the README state it (`64`, `the CPU count`, `—`).
    public let defaultDescription: String
    /// What the setting means, one sentence for `--help`.
    public let summary: String
    /// Whether the value is secret: masked in ``WorkerConfiguration/redactedDescription`` and
    /// marked secret for swift-configuration (its access logs print `<REDACTED>`).
    public let isSecret: Bool
    /// Whether the setting is a boolean flag (`--foo-bar`, `--no-foo-bar`).
    public let isBoolean: Bool
    /// The default as text, converted like a given value; `nil`: ``apply`` leaves the setting
    /// unset (no model path, no bootstrap servers). Reads the settings resolved before it (the
    /// transactional id's default names the instance) and the host name.
    let defaultText: @Sendable (_ resolved: WorkerConfiguration, _ hostName: String) -> String?
    /// Checks and converts the value (or `nil` for none) into its property.
    let apply: @Sendable (_ value: SettingValue?, _ configuration: inout WorkerConfiguration) throws(WorkerConfigurationError) -> Void
    /// The property as `--print-config` shows it.
    let describe: @Sendable (WorkerConfiguration) -> String

    /// The environment variable prefix: `NEWSCLF_` + the key in upper case.
    public static let environmentPrefix = "NEWSCLF_"

    /// `--foo-bar`.
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
    /// `NEWSCLF_FOO_BAR`.
    public var environmentVariable: String { Self.environmentPrefix + key.uppercased() }

    /// The setting with `key`, if any.
    public static func named(_ key: String) -> WorkerSetting? { all.first { $0.key == key } }
}

// MARK: - Kinds of setting

extension WorkerSetting {
    /// A non-empty string (trimmed), with a fixed default.
    static func text(
        _ key: String, _ property: WritableKeyPath<WorkerConfiguration, String> & Sendable,
        default fallback: String, valueName: String = "<name>", summary: String
    ) -> WorkerSetting {
        text(key, property, default: "`\(fallback)`", valueName: valueName, summary: summary) { _, _ in fallback }
    }

    /// A non-empty string (trimmed) whose default depends on other settings.
    static func text(
        _ key: String, _ property: WritableKeyPath<WorkerConfiguration, String> & Sendable,
        default description: String, valueName: String = "<name>", summary: String,
        defaultText: @escaping @Sendable (WorkerConfiguration, String) -> String
    ) -> WorkerSetting {
        WorkerSetting(
            key: key, valueName: valueName, defaultDescription: description, summary: summary,
            isSecret: false, isBoolean: false, defaultText: defaultText,
            apply: { value, configuration throws(WorkerConfigurationError) in
                if let value { configuration[keyPath: property] = try value.nonEmpty() }
            },
            describe: { $0[keyPath: property] })
    }

    /// One of `choices` (a non-empty string).
    static func choice(
        _ key: String, _ property: WritableKeyPath<WorkerConfiguration, String> & Sendable,
        default fallback: String, choices: [String], summary: String
    ) -> WorkerSetting {
        WorkerSetting(
            key: key, valueName: "<\(choices.joined(separator: "|"))>", defaultDescription: "`\(fallback)`",
            summary: summary, isSecret: false, isBoolean: false, defaultText: { _, _ in fallback },
            apply: { value, configuration throws(WorkerConfigurationError) in
                guard let value else { return }
                configuration[keyPath: property] = try value.choice(choices)
            },
            describe: { $0[keyPath: property] })
    }

    /// An integer in `range`.
    static func integer(
        _ key: String, _ property: WritableKeyPath<WorkerConfiguration, Int> & Sendable,
        default description: String, range: ClosedRange<Int>, summary: String,
        defaultValue: @escaping @Sendable () -> Int
    ) -> WorkerSetting {
        WorkerSetting(
            key: key, valueName: "<n>", defaultDescription: description, summary: summary,
            isSecret: false, isBoolean: false, defaultText: { _, _ in String(defaultValue()) },
            apply: { value, configuration throws(WorkerConfigurationError) in
                if let value { configuration[keyPath: property] = try value.integer(in: range) }
            },
            describe: { String($0[keyPath: property]) })
    }

    /// An integer in `range` with a fixed default.
    static func integer(
        _ key: String, _ property: WritableKeyPath<WorkerConfiguration, Int> & Sendable,
        default fallback: Int, range: ClosedRange<Int>, summary: String
    ) -> WorkerSetting {
        integer(key, property, default: String(fallback), range: range, summary: summary) { fallback }
    }

    /// A number of milliseconds in `range` (the key ends in `_ms`), held as a `Duration`.
    static func milliseconds(
        _ key: String, _ property: WritableKeyPath<WorkerConfiguration, Duration> & Sendable,
        default fallback: Int, range: ClosedRange<Int>, summary: String
    ) -> WorkerSetting {
        WorkerSetting(
            key: key, valueName: "<ms>", defaultDescription: String(fallback), summary: summary,
            isSecret: false, isBoolean: false, defaultText: { _, _ in String(fallback) },
            apply: { value, configuration throws(WorkerConfigurationError) in
                if let value { configuration[keyPath: property] = .milliseconds(try value.integer(in: range)) }
            },
            describe: { String($0[keyPath: property].wholeMilliseconds) })
    }

    /// A boolean flag, default false.
    static func boolean(
        _ key: String, _ property: WritableKeyPath<WorkerConfiguration, Bool> & Sendable, summary: String
    ) -> WorkerSetting {
        WorkerSetting(
            key: key, valueName: "", defaultDescription: "false", summary: summary, isSecret: false,
            isBoolean: true, defaultText: { _, _ in "false" },
            apply: { value, configuration throws(WorkerConfigurationError) in
                if let value { configuration[keyPath: property] = try value.boolean() }
            },
            describe: { String($0[keyPath: property]) })
    }
}

/// A setting's value as text (flags, the environment and the file all give text; JSON numbers and
/// booleans are written as their literal), with where it came from for the error messages.
struct SettingValue: Sendable {
    /// The setting's key.
    var key: String
    /// The value as given.
    var text: String
    /// Where it came from: `flag --foo-bar`, `<file> key foo_bar`, `environment NEWSCLF_FOO_BAR`,
    /// or `default`.
    var source: String

    func failure(_ problem: String) -> WorkerConfigurationError {
        WorkerConfigurationError(key: key, source: source, problem: problem)
    }

    var trimmed: String { text.trimmingCharacters(in: .whitespaces) }

    func nonEmpty() throws(WorkerConfigurationError) -> String {
        guard !trimmed.isEmpty else { throw failure("must not be empty") }
        return trimmed
    }

    func choice(_ choices: [String]) throws(WorkerConfigurationError) -> String {
        let text = try nonEmpty()
        guard choices.contains(text) else {
            throw failure("\"\(text)\" is not one of \(choices.joined(separator: ", "))")
        }
        return text
    }

    func integer(in range: ClosedRange<Int>) throws(WorkerConfigurationError) -> Int {
        guard let number = Int(trimmed) else { throw failure("\"\(text)\" is not an integer") }
        guard range.contains(number) else {
            throw failure("\(number) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    func boolean() throws(WorkerConfigurationError) -> Bool {
        switch trimmed.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off", "": return false
        default: throw failure("\"\(text)\" is not a boolean (true or false)")
        }
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

// MARK: - Help

extension WorkerSetting {
    /// The settings for `newsclf-worker --help`: each flag with its value, meaning and default.
    public static var helpText: String {
        var lines = [
            "Each --foo-bar is also the key foo_bar of the --config file and the environment variable NEWSCLF_FOO_BAR; a flag wins over the file, the file over the environment.",
        ]
        for setting in all {
            let usage = setting.isBoolean ? "\(setting.flag), --no-\(setting.flag.dropFirst(2))" : "\(setting.flag) \(setting.valueName)"
            lines.append("")
            lines.append(usage)
            lines.append("\(setting.summary) Default: \(setting.defaultDescription.replacingOccurrences(of: "`", with: "")).")
        }
        return lines.joined(separator: "\n")
    }
}
