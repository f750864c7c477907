import Foundation
import JSON
import TextPipeline

/// One news item decoded from an input-topic message (DESIGN.md "Messages").
///
/// Schema: a JSON object with an optional `id` (string or number, echoed back as given), and
/// `text`, or `title` and/or `description` (text = `title + " " + description`). `text` wins when
/// it is a non-empty string. A JSON `null` counts as absent; other fields are ignored.
///
/// The text is sanitised as it is decoded (``TextSanitizer``: zero-width separators become
/// spaces, the other Unicode format characters are removed), before any preprocessing; a text
/// that is empty or whitespace as received is `empty_text`.
public struct NewsInput: Sendable, Equatable {
    /// The item's `id` as given (`.string` or `.integer`/`.number`), or `nil`.
    public var id: JSONValue?
    /// The text to classify: sanitised by ``decode(_:maxBytes:)`` (``TextSanitizer``), not yet
    /// preprocessed. The initializer stores it as given.
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
    /// - Returns: the item, its text sanitised (``TextSanitizer/sanitize(_:)``), or the reason
    ///   it is a dead letter. (`no_tokens` needs the model's vocabulary: see
    ///   ``DeadLetterReason/noTokens(in:specialTokens:)``.)
    public static func decode(_ bytes: [UInt8], maxBytes: Int = defaultMaxMessageBytes) -> Result<NewsInput, DeadLetterReason> {
        guard bytes.count <= maxBytes else {
            return .failure(.init(kind: .tooLarge, message: "message is \(bytes.count) bytes, the limit is \(maxBytes)"))
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            let offset = firstInvalidUTF8Offset(bytes)
            return .failure(.init(kind: .invalidUTF8, message: "message is not valid UTF-8 (first bad byte at offset \(offset))"))
        }
        let fields: Fields
        switch Self.fields(of: bytes) {
        case .success(let decoded): fields = decoded
        case .failure(let reason): return .failure(reason)
        }
        let (text, title, description) = (fields.text, fields.title, fields.description)
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
        return .success(NewsInput(id: fields.id, text: TextSanitizer.sanitize(chosen)))
    }

    /// The schema's fields of a message, each `nil` when absent or JSON `null`.
    struct Fields: Decodable {
        var id: JSONValue?
        var text: String?
        var title: String?
        var description: String?

        init(id: JSONValue?, text: String?, title: String?, description: String?) {
            (self.id, self.text, self.title, self.description) = (id, text, title, description)
        }

        private enum CodingKeys: String, CodingKey {
            case id, text, title, description
        }

        /// The fast path: a JSON object whose fields have the schema's types. Throws for
        /// anything else (``fields(of:)`` then finds out what is wrong).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let id = try container.decodeIfPresent(JSONValue.self, forKey: .id) {
                switch id {
                case .null: self.id = nil
                case .string, .integer, .number: self.id = id
                case .bool, .array, .object:
                    throw DecodingError.typeMismatch(
                        JSONValue.self, .init(codingPath: [CodingKeys.id], debugDescription: "not a string or number"))
                }
            }
            text = try container.decodeIfPresent(String.self, forKey: .text)
            title = try container.decodeIfPresent(String.self, forKey: .title)
            description = try container.decodeIfPresent(String.self, forKey: .description)
        }
    }

    /// One decoder for every message (`JSONDecoder` is thread-safe once configured).
    private static let decoder = JSONDecoder()

    /// Decodes the schema's fields of valid UTF-8 `bytes`: straight into ``Fields`` when the
    /// message is well-formed (the common case, about twice as fast as going through
    /// ``JSONValue``), otherwise through ``JSONValue`` to name what is wrong. A message that is
    /// not JSON at all is described by ``StrictJSONParser`` (line, column and problem, e.g. a
    /// lone surrogate escape), as Foundation only says that the data is not valid JSON.
    static func fields(of bytes: [UInt8]) -> Result<Fields, DeadLetterReason> {
        let data = Data(bytes)
        if let fields = try? decoder.decode(Fields.self, from: data) {
            return .success(fields)
        }
        let value: JSONValue
        do {
            value = try decoder.decode(JSONValue.self, from: data)
        } catch {
            let problem: String
            do {
                _ = try StrictJSONParser.parse(bytes)
                problem = Self.describe(error)  // Only Foundation refuses it: its words.
            } catch {
                problem = error.description
            }
            return .failure(.init(kind: .invalidJSON, message: "message is not valid JSON: \(problem)"))
        }
        guard case .object(let object) = value else {
            return .failure(.init(kind: .notAnObject, message: "message is a JSON \(value.typeName), expected an object"))
        }
        var id: JSONValue?
        switch object["id"] {
        case nil, .null?: id = nil
        case .string?, .integer?, .number?: id = object["id"]
        case let other?:
            return .failure(.init(kind: .wrongType, message: "field 'id' is a \(other.typeName), expected a string or a number"))
        }
        func optionalString(_ key: String) -> Result<String?, DeadLetterReason> {
            switch object[key] {
            case nil, .null?: return .success(nil)
            case .string(let s)?: return .success(s)
            case let other?:
                return .failure(.init(kind: .wrongType, message: "field '\(key)' is a \(other.typeName), expected a string"))
            }
        }
        switch (optionalString("text"), optionalString("title"), optionalString("description")) {
        case (.failure(let e), _, _), (_, .failure(let e), _), (_, _, .failure(let e)): return .failure(e)
        case (.success(let text), .success(let title), .success(let description)):
            return .success(Fields(id: id, text: text, title: title, description: description))
        }
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
