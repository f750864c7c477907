/// The settings' flags of a command line (`--foo-bar VALUE`, `--foo-bar=VALUE`, a boolean's
/// `--foo-bar` / `--no-foo-bar`), checked against the table ``WorkerSetting/all``.
///
/// swift-configuration's `CommandLineArgumentsProvider` ignores a flag it is not asked about and
/// takes the word after a boolean flag as its value, so this pass comes first: an unknown flag is
/// an error naming it, a boolean flag takes no value (as ArgumentParser's `@Flag` did), and a flag
/// given twice keeps its last value.
enum WorkerSettingFlags {
    /// The values of `arguments`, by key (booleans as `"true"`/`"false"`).
    /// - Throws: ``WorkerConfigurationError`` for an unknown flag, a flag without its value, or a
    ///   word that belongs to no flag.
    static func parse(_ arguments: [String]) throws(WorkerConfigurationError) -> [String: String] {
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw WorkerConfigurationError(
                    key: argument, source: "command line",
                    problem: "unexpected argument (settings are --KEY VALUE; see --help)")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            let key = name.replacingOccurrences(of: "-", with: "_")
            if inlineValue == nil, key.hasPrefix("no_"), let setting = WorkerSetting.named(String(key.dropFirst(3))),
                setting.isBoolean
            {
                values[setting.key] = "false"
                continue
            }
            guard let setting = WorkerSetting.named(key), !name.contains("_") else {
                throw WorkerConfigurationError(
                    key: key, source: "flag --\(name)", problem: "unknown setting (newsclf-worker --help lists them)")
            }
            if setting.isBoolean {
                values[setting.key] = inlineValue ?? "true"
            } else if let inlineValue {
                values[setting.key] = inlineValue
            } else if index < arguments.count, !arguments[index].hasPrefix("--") {
                values[setting.key] = arguments[index]
                index += 1
            } else {
                throw WorkerConfigurationError(
                    key: setting.key, source: "flag \(setting.flag)", problem: "needs a value: \(setting.flag) \(setting.valueName)")
            }
        }
        return values
    }
}
