/// Writes a ``LabelMessage`` as exactly the bytes that `JSONEncoder` with `[.sortedKeys,
/// .withoutEscapingSlashes]` gives: key order, string escapes and number forms (tested byte for
/// byte against `JSONEncoder` on random messages, `LabelMessageJSONWriterTests`).
///
/// Why it exists: the worker writes one label per item, and Foundation's `JSONEncoder`, generic
/// containers and all, took about 13 µs per message on the reference machine, more than the
/// rest of an item's work around the model; this writer takes about 2 µs (`scripts/bench-worker`
/// end-to-end figures in the README). `JSONEncoder` stays the reference and the fallback:
/// ``write(_:)`` declines what it does not handle and ``LabelMessage/jsonBytes()`` then encodes
/// with `JSONEncoder`.
///
/// Handled: an `id` that is absent, `null`, a string, a boolean, an integer or a finite number;
/// finite probabilities. Declined: a non-finite number anywhere (`JSONEncoder` throws the
/// error) and an array or object `id` (the input schema never gives one).
struct LabelMessageJSONWriter {
    /// The JSON text written so far (UTF-8).
    private(set) var bytes: [UInt8] = []

    /// - Parameter capacity: bytes to reserve (a label message is about 250).
    init(capacity: Int = 320) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends `message` as one JSON object.
    /// - Returns: `false` when `message` needs `JSONEncoder` (see the type's comment); `bytes`
    ///   then holds a partial object and is to be discarded.
    mutating func write(_ message: LabelMessage) -> Bool {
        // Keys in JSONEncoder's `.sortedKeys` order (UTF-8 byte order: "abstained" < "id",
        // "label" < "label_id"); "abstained" only when true.
        ascii(message.abstained ? #"{"abstained":true,"id":"# : #"{"id":"#)
        switch message.id {
        case nil, .null?: ascii("null")
        case .string(let value)?: string(value)
        case .bool(let value)?: ascii(value ? "true" : "false")
        case .integer(let value)?: ascii(String(value))
        case .number(let value)?:
            guard value.isFinite else { return false }
            number(value.description)
        case .array?, .object?: return false
        }
        ascii(#","label":"#)
        string(message.label)
        ascii(#","label_id":"#)
        ascii(String(message.labelID))
        ascii(#","model":{"digest":"#)
        string(message.model.digest)
        ascii(#","name":"#)
        string(message.model.name)
        ascii(#"},"probabilities":{"#)
        let names = message.probabilities.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for (position, name) in names.enumerated() {
            guard let probability = message.probabilities[name], probability.isFinite else { return false }
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            string(name)
            bytes.append(UInt8(ascii: ":"))
            number(probability.description)
        }
        bytes.append(UInt8(ascii: "}"))
        if let source = message.source {
            ascii(#","source":{"offset":"#)
            ascii(String(source.offset))
            ascii(#","partition":"#)
            ascii(String(source.partition))
            ascii(#","topic":"#)
            string(source.topic)
            bytes.append(UInt8(ascii: "}"))
        }
        ascii(message.truncated ? #","truncated":true}"# : #","truncated":false}"#)
        return true
    }

    private mutating func ascii(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A finite number as `JSONEncoder` writes it: Swift's shortest round-trip `description`
    /// (`0.97`, `1e-05`, `-0.0`) without a trailing `.0` (`3.0` → `3`).
    private mutating func number(_ description: String) {
        let text = description.utf8
        if text.count > 2, text.suffix(2).elementsEqual(".0".utf8) {
            bytes.append(contentsOf: text.dropLast(2))
        } else {
            bytes.append(contentsOf: text)
        }
    }

    /// A JSON string (RFC 8259 §7): `"` and `\` escaped, the control characters U+0000–U+001F
    /// as `\b \f \n \r \t` or `\u00xx`, everything else (`/` and non-ASCII included) as its
    /// UTF-8 bytes.
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0..<0x20:
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
