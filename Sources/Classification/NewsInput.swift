import Foundation

/// One news item decoded from an input-topic message (DESIGN.md "Messages").
///
/// Schema: a JSON object with an optional `id` (string or number, echoed back as given), and
/// `text`, or `title` and/or `description` (text = `title + " " + description`). `text` wins when
/// it is a non-empty string. A JSON `null` counts as absent; other fields are ignored.
public struct NewsInput: Sendable, Equatable {
    /// The item's `id` as given (`.string` or `.integer`/`.number`), or `nil`.
    public var id: JSONValue?
    /// The text to classify (not yet preprocessed).
    public var text: String

    public init(id: JSONValue?, text: String) {
        self.id = id
        self.text = text
    }

    /// The default largest accepted message, in bytes (1 MiB, Kafka's default `message.max.bytes`).
    public static let defaultMaxMessageBytes = 1 << 20

    /// Decodes one message value.
    ///
    /// - Parameters:
    ///   - bytes: the message value as received.
    ///   - maxBytes: larger values are refused as `too_large` without being parsed.
    /// - Returns: the item, or the reason it is a dead letter.
    public static func decode(_ bytes: [UInt8], maxBytes: Int = defaultMaxMessageBytes) -> Result<NewsInput, DeadLetterReason> {
        guard bytes.count <= maxBytes else {
            return .failure(.init(kind: .tooLarge, message: "message is \(bytes.count) bytes, the limit is \(maxBytes)"))
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            let offset = firstInvalidUTF8Offset(bytes)
            return .failure(.init(kind: .invalidUTF8, message: "message is not valid UTF-8 (first bad byte at offset \(offset))"))
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            return .failure(.init(kind: .invalidJSON, message: "message is not valid JSON: \(Self.describe(error))"))
        }
        guard case .object(let fields) = value else {
            return .failure(.init(kind: .notAnObject, message: "message is a JSON \(value.typeName), expected an object"))
        }
        var id: JSONValue?
        switch fields["id"] {
        case nil, .null?: id = nil
        case .string?, .integer?, .number?: id = fields["id"]
        case let other?:
            return .failure(.init(kind: .wrongType, message: "field 'id' is a \(other.typeName), expected a string or a number"))
        }
        func optionalString(_ key: String) -> Result<String?, DeadLetterReason> {
            switch fields[key] {
            case nil, .null?: return .success(nil)
            case .string(let s)?: return .success(s)
            case let other?:
                return .failure(.init(kind: .wrongType, message: "field '\(key)' is a \(other.typeName), expected a string"))
            }
        }
        let text: String?, title: String?, description: String?
        switch (optionalString("text"), optionalString("title"), optionalString("description")) {
        case (.failure(let e), _, _), (_, .failure(let e), _), (_, _, .failure(let e)): return .failure(e)
        case (.success(let t), .success(let ti), .success(let d)): (text, title, description) = (t, ti, d)
        }
        let chosen: String
        if let text, !text.isEmpty {
            chosen = text
        } else if title != nil || description != nil {
            chosen = [title, description].compactMap { $0 }.joined(separator: " ")
        } else if text != nil {
            chosen = ""
        } else {
            return .failure(.init(kind: .missingText, message: "message has none of 'text', 'title', 'description'"))
        }
        guard chosen.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            return .failure(.init(kind: .emptyText, message: "text is empty after trimming whitespace"))
        }
        return .success(NewsInput(id: id, text: chosen))
    }

    private static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}
