import Foundation
import JSON

/// The free-form `metrics.json` of a checkpoint: a JSON object that says how the model was
/// trained (data file and its SHA-256, configuration, seed) and what it scored.
///
/// The reader keeps every key it finds, nested values included, so a checkpoint that is loaded
/// and saved again keeps the trainer's record, as ``JSONValue``s (integers stay `Int64`).
///
/// ```swift
/// var metrics: CheckpointMetrics = ["seed": 0, "data": ["file": "train.csv.gz"]]
/// metrics["validation_accuracy"] = .number(0.9121)
/// ```
public struct CheckpointMetrics: Sendable, Equatable, Codable, ExpressibleByDictionaryLiteral {
    /// The top-level keys and their values.
    public var values: [String: JSONValue]

    /// Metrics with these top-level values.
    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// The value of a top-level key; setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values)
    }

    /// Parses `metrics.json`: a JSON object, anything inside it.
    /// - Throws: `DecodingError` when the bytes are not JSON or not an object.
    public init(jsonData: Data) throws {
        self = try JSONDecoder().decode(CheckpointMetrics.self, from: jsonData)
    }

    /// The `metrics.json` bytes: pretty-printed, keys sorted at every level, slashes unescaped,
    /// a final newline. The same metrics always give the same bytes.
    /// - Throws: `EncodingError` when a number is NaN or infinite (JSON has no such numbers).
    public func jsonData() throws -> Data {
        try Self.canonicalJSON(self)
    }

    /// `value` as pretty-printed JSON with sorted keys and a final newline: the form of every
    /// JSON file of a checkpoint.
    static func canonicalJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
