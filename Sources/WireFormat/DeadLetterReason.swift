/// Why an input message could not be classified; it goes to the dead-letter topic with these
/// values in the headers `newsclf.error.kind` and `newsclf.error.message` (DESIGN.md "Messages").
public struct DeadLetterReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable error kinds (the header values operators filter on).
    public enum Kind: String, Sendable, CaseIterable {
        case invalidUTF8 = "invalid_utf8"
        case invalidJSON = "invalid_json"
        case notAnObject = "not_an_object"
        case wrongType = "wrong_type"
        case missingText = "missing_text"
        case emptyText = "empty_text"
        /// The text has characters but, after ``TextSanitizer`` and the model's preprocessing,
        /// no token the model's vocabulary knows (``noTokens(in:specialTokens:)``).
        case noTokens = "no_tokens"
        case tooLarge = "too_large"
    }

    public var kind: Kind
    /// A human-readable explanation naming the field or byte at fault.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
