import Foundation

/// A JSON value: an input message's fields (checked for their type, an `id` echoed back exactly
/// as it was given, string or number), a checkpoint's free-form `metrics.json`, a configuration
/// file before its keys are checked.
///
/// Integers that fit `Int64` stay integers (exact); other numbers are `Double`.
///
/// ```swift
/// let value: JSONValue = ["seed": 0, "data": ["file": "train.csv.gz"], "accuracy": 0.91]
/// ```
public indirect enum JSONValue: Sendable, Equatable, Codable, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    case null
    case bool(Bool)
    /// An integer that fits `Int64` (kept exact, so a numeric `id` is echoed unchanged).
    case integer(Int64)
    /// Any other number. Must be finite to be written.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // A string first: the common `id`, and a failed attempt costs a thrown error.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let v): try container.encode(v)
        case .integer(let v): try container.encode(v)
        case .number(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .array(let v): try container.encode(v)
        case .object(let v): try container.encode(v)
        }
    }

    /// The JSON type's name, for error messages (`"string"`, `"number"`, …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The value as compact JSON with sorted keys (for one-line summaries); a non-finite number
    /// is written as a string.
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
            return "{" + o.keys.sorted().map { JSONValue.string($0).jsonText + ": " + o[$0]!.jsonText }
                .joined(separator: ", ") + "}"
        }
    }
}
