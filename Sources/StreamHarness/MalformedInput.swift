import Classification
import WireFormat

/// A deliberately bad input message mixed into a stream: the worker must send it,
/// key and bytes unchanged, to the dead-letter topic with the header `newsclf.error.kind` =
/// ``expectedKind`` (DESIGN.md "Messages").
public struct MalformedInput: Sendable, Equatable {
    /// What is wrong with it, in words (for the demo's listing).
    public var summary: String
    /// The dead-letter kind the worker must report.
    public var expectedKind: DeadLetterReason.Kind
    /// The message value as produced.
    public var value: [UInt8]

    public init(summary: String, expectedKind: DeadLetterReason.Kind, value: [UInt8]) {
        self.summary = summary
        self.expectedKind = expectedKind
        self.value = value
    }

    /// One message of each dead-letter kind that the worker's decoder finds (all but
    /// `no_tokens`, which depends on the model's vocabulary).
    ///
    /// - Parameters:
    ///   - idPrefix: put into the `id` fields where the message still has one (the run's prefix,
    ///     so a stray dead letter of an earlier run is recognisable).
    ///   - oversizeBytes: the size of the `too_large` message; it must exceed the worker's
    ///     `max_message_bytes` and stay below the broker's message size limit.
    /// - Returns: seven messages, in ``DeadLetterReason/Kind`` order.
    public static func catalog(idPrefix: String, oversizeBytes: Int) -> [MalformedInput] {
        let id = "\"id\": \"\(idPrefix)bad\""
        let oversizeHead = "{\(id), \"text\": \""
        let oversizeTail = "\"}"
        let filler = max(0, oversizeBytes - oversizeHead.utf8.count - oversizeTail.utf8.count)
        return [
            MalformedInput(
                summary: "a Latin-1 byte inside the text (not UTF-8)", expectedKind: .invalidUTF8,
                value: Array("{\(id), \"text\": \"Caf".utf8) + [0xE9] + Array(" owners sue city\"}".utf8)),
            MalformedInput(
                summary: "JSON cut off in the middle", expectedKind: .invalidJSON,
                value: Array("{\(id), \"text\": \"Stocks rally as oil".utf8)),
            MalformedInput(
                summary: "a JSON array, not an object", expectedKind: .notAnObject,
                value: Array("[\"Stocks rally\", \"as oil prices fall\"]".utf8)),
            MalformedInput(
                summary: "\"text\" is a number", expectedKind: .wrongType,
                value: Array("{\(id), \"text\": 42}".utf8)),
            MalformedInput(
                summary: "no text, title or description", expectedKind: .missingText,
                value: Array("{\(id), \"headline\": \"Stocks rally as oil prices fall\"}".utf8)),
            MalformedInput(
                summary: "text of whitespace only", expectedKind: .emptyText,
                value: Array("{\(id), \"text\": \" \\t \"}".utf8)),
            MalformedInput(
                summary: "\(oversizeBytes) bytes, over the worker's limit", expectedKind: .tooLarge,
                value: Array(oversizeHead.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: filler)
                    + Array(oversizeTail.utf8)),
        ]
    }
}
