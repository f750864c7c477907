/// A Kafka record header: a name and an optional byte value. Names may repeat within a message.
public struct KafkaHeader: Sendable, Hashable, CustomStringConvertible {
    /// The header name.
    public var name: String
    /// The value bytes; `nil` is a header with a null value (distinct from an empty value).
    public var value: [UInt8]?

    /// Creates the value from its parts (see the properties).
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 encoding of `value`.
    public init(name: String, string value: String) {
        self.init(name: name, value: Array(value.utf8))
    }

    /// The value decoded as UTF-8, or `nil` when it is null or not valid UTF-8.
    public var stringValue: String? {
        value.flatMap { String(validating: $0, as: UTF8.self) }
    }

    public var description: String {
        "\(name)=\(stringValue.map { "\"\($0)\"" } ?? value.map { "\($0.count) bytes" } ?? "null")"
    }
}
