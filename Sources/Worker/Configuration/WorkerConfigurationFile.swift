import Classification
import ComputeRuntime
import Foundation
import JSON
import RecurrentNetwork
import WireFormat

/// The `--config` JSON file, checked: strict JSON (``StrictJSONParser``: no trailing comma, no
/// key given twice), an object at the top level, only known keys, scalar values.
///
/// Its values are kept as the text a flag would give (a JSON number or boolean as its literal, a
/// list of bootstrap servers joined with commas); `null` is the same as leaving the key out.
struct WorkerConfigurationFile: Sendable {
    /// The file's path, as errors name it.
    var path: String
    /// The settings it gives, by key.
    var settings: [String: String] = [:]
    /// The librdkafka properties it gives (`"kafka": {…}` or `"kafka.<name>"` keys), by name.
    var kafkaProperties: [String: String] = [:]

    /// Reads and checks the file.
    /// - Throws: ``WorkerConfigurationError`` with key `config` for a file that cannot be read
    ///   or is not strict JSON (the source names the line and column), or naming the key that
    ///   is unknown or has a value of the wrong shape.
    init(reading url: URL) throws(WorkerConfigurationError) {
        path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WorkerConfigurationError(
                key: "config", source: url.path, problem: "cannot read the file: \(error.localizedDescription)")
        }
        let root: JSONValue
        do throws(StrictJSONError) {
            root = try StrictJSONParser.parse(Array(data))
        } catch {
            throw WorkerConfigurationError(
                key: "config", source: "\(url.path) line \(error.line), column \(error.column)", problem: error.problem)
        }
        guard case .object(let fields) = root else {
            throw WorkerConfigurationError(
                key: "config", source: url.path, problem: "expected a JSON object at the top level")
        }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if key == "kafka" {
                guard case .object(let properties) = value else {
                    throw WorkerConfigurationError(
                        key: key, source: url.path, problem: "expected an object of librdkafka properties")
                }
                for (name, property) in properties {
                    kafkaProperties[name] = try scalar(property, key: "kafka.\(name)")
                }
            } else if key.hasPrefix("kafka.") {
                let name = String(key.dropFirst("kafka.".count))
                if case .object(let properties)? = fields["kafka"], properties[name] != nil {
                    // Another spelling of a duplicate key: one of the two would be ignored.
                    throw WorkerConfigurationError(
                        key: key, source: url.path, problem: "given twice: also as \"\(name)\" in the \"kafka\" object")
                }
                kafkaProperties[name] = try scalar(value, key: key)
            } else if key == AbstainPolicy.perLabelKey, case .object(let thresholds) = value {
                // {"Business": 0.7, "Sci/Tech": 0.6}: the flag's text, Label=p pairs.
                var pairs: [String] = []
                for (label, threshold) in thresholds.sorted(by: { $0.key < $1.key }) {
                    guard let number = try scalar(threshold, key: "\(key).\(label)"), Float(number) != nil,
                        !label.contains(","), !label.contains("=")
                    else {
                        throw WorkerConfigurationError(
                            key: "\(key).\(label)", source: url.path, problem: "expected a number (a probability)")
                    }
                    pairs.append("\(label)=\(number)")
                }
                settings[key] = pairs.joined(separator: ",")
            } else if WorkerSetting.named(key) != nil {
                settings[key] = try scalar(value, key: key)
            } else {
                throw WorkerConfigurationError(key: key, source: url.path, problem: "unknown setting")
            }
        }
    }

    /// A JSON scalar as the string a flag would have given; `null` is absent (`nil`).
    private func scalar(_ value: JSONValue, key: String) throws(WorkerConfigurationError) -> String? {
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .bool(let flag): return String(flag)
        case .integer(let number): return String(number)
        case .number(let number) where number == number.rounded() && abs(number) < 9.2e18: return String(Int64(number))
        case .number(let number): return String(number)
        case .array(let items):
            // A list of bootstrap servers.
            var parts: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw WorkerConfigurationError(
                        key: key, source: path, problem: "expected a string or a list of strings")
                }
                parts.append(text)
            }
            return parts.joined(separator: ",")
        case .object:
            throw WorkerConfigurationError(key: key, source: path, problem: "expected a scalar value")
        }
    }
}
