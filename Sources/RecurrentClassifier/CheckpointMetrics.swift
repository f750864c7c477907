import Foundation

/// The free-form `metrics.json` of a checkpoint: a JSON object that says how the model was
/// trained (data file and its SHA-256, configuration, seed) and what it scored.
///
/// The reader keeps every key it finds, nested values included, so a checkpoint that is loaded
/// and saved again keeps the trainer's record. Integers stay integers (`Int64`); other numbers
/// are `Double`.
///
/// ```swift
/// var metrics: CheckpointMetrics = ["seed": 0, "data": ["file": "train.csv.gz"]]
/// metrics["validation_accuracy"] = .number(0.9121)
/// ```
public struct CheckpointMetrics: Sendable, Equatable, Codable, ExpressibleByDictionaryLiteral {
    /// A JSON value.
    public indirect enum Value: Sendable, Equatable, Codable, ExpressibleByStringLiteral,
        ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
        ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
    {
        case null
        case bool(Bool)
        /// A number written without fraction or exponent that fits `Int64`.
        case integer(Int64)
        /// Any other number. Must be finite to be written.
        case number(Double)
        case string(String)
        case array([Value])
        case object([String: Value])

        public init(stringLiteral value: String) { self = .string(value) }
        public init(integerLiteral value: Int64) { self = .integer(value) }
        public init(floatLiteral value: Double) { self = .number(value) }
        public init(booleanLiteral value: Bool) { self = .bool(value) }
        public init(arrayLiteral elements: Value...) { self = .array(elements) }
        public init(dictionaryLiteral elements: (String, Value)...) {
            self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
        }
        public init(nilLiteral: ()) { self = .null }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                self = .integer(i)
            } else if let d = try? c.decode(Double.self) {
                self = .number(d)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else if let a = try? c.decode([Value].self) {
                self = .array(a)
            } else {
                self = .object(try c.decode([String: Value].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .null: try c.encodeNil()
            case .bool(let b): try c.encode(b)
            case .integer(let i): try c.encode(i)
            case .number(let d): try c.encode(d)
            case .string(let s): try c.encode(s)
            case .array(let a): try c.encode(a)
            case .object(let o): try c.encode(o)
            }
        }

        /// The value as compact JSON with sorted keys (for one-line summaries).
        public var jsonText: String {
            switch self {
            case .null: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .integer(let i): return String(i)
            case .number(let d): return d.isFinite ? "\(d)" : "\"\(d)\""
            case .string(let s):
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.withoutEscapingSlashes]
                return (try? encoder.encode(s)).flatMap { String(decoding: $0, as: UTF8.self) } ?? "\"\(s)\""
            case .array(let a): return "[" + a.map(\.jsonText).joined(separator: ", ") + "]"
            case .object(let o):
                return "{" + o.keys.sorted().map { Value.string($0).jsonText + ": " + o[$0]!.jsonText }
                    .joined(separator: ", ") + "}"
            }
        }
    }

    /// The top-level keys and their values.
    public var values: [String: Value]

    /// Metrics with these top-level values.
    public init(_ values: [String: Value] = [:]) {
        self.values = values
    }

    public init(dictionaryLiteral elements: (String, Value)...) {
        self.values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// The value of a top-level key; setting `nil` removes the key.
    public subscript(key: String) -> Value? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: Value].self)
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
