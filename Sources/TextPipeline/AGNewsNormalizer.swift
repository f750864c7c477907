import Foundation

/// The normalisation of ``Preprocessing/normalizedV1``: undoes AG News's text debris before the
/// notebook's pipeline, so that `Apple's`, `Apple’s` and `Apple #39;s` tokenize alike.
///
/// Steps, in order:
///
/// 1. **HTML entities**, including AG News's debris where a space replaced the `&`
///    (`Apple #39;s`, ` quot;Hello`, `AT amp;T`; the space is part of the debris and goes too).
///    Recognised: `&name;` and, at the start of the text or after a space, `name;` without the
///    `&`, for `lt gt amp quot apos nbsp`, decimal `#N;` and hexadecimal `#xH;` references
///    (up to 7 digits). Numeric references follow the HTML5 rules: 128–159 are read as
///    Windows-1252 (`#151;` → `—`, `#146;` → `’`), 0, surrogates and values beyond U+10FFFF
///    become U+FFFD. Anything else (`Camp;`, `&foo;`) is left alone; entities are decoded once
///    (`&amp;lt;` → `&lt;`).
/// 2. **Backslashes**: `\$` → `$`; any other `\` (AG News's line-break marker, `\\` for a
///    paragraph) → a space, so `second\team` → `second team`.
/// 3. **NFKC** (Unicode compatibility composition, UAX #15): `ﬁ` → `fi`, `café` decomposed →
///    precomposed, fullwidth → ASCII, NBSP → space.
/// 4. **Quotes and dashes to ASCII**: `‘ ’ ‚ ‛ ′ ‵ ‹ ›` → `'`; `“ ” „ ‟ ″ ‶ « »` → `"`;
///    U+2010–U+2015, U+2212, U+2E3A, U+2E3B → `-`. This runs after NFKC (unlike the order in
///    which the design lists them) because NFKC itself produces some of these (U+FE58 → `—`).
///
/// The result then goes through ``Preprocessing/notebookV1`` (lower, strip, tokenize), where the
/// ASCII quotes and dashes are deleted like any ASCII punctuation.
public enum AGNewsNormalizer {
    /// Applies steps 1–4 to `text`.
    public static func normalize(_ text: String) -> String {
        let decoded = decodeEntitiesAndBackslashes(Array(text.utf8))
        if decoded.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: decoded, as: UTF8.self)  // ASCII: NFKC and step 4 change nothing.
        }
        let composed = String(decoding: decoded, as: UTF8.self).precomposedStringWithCompatibilityMapping
        var result = String.UnicodeScalarView()
        for scalar in composed.unicodeScalars {
            result.append(asciiEquivalent(of: scalar) ?? scalar)
        }
        return String(result)
    }

    /// The ASCII quote or hyphen that step 4 maps `scalar` to, if any.
    static func asciiEquivalent(of scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x2035, 0x2039, 0x203A: return "'"
        case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x2036, 0x00AB, 0x00BB: return "\""
        case 0x2010...0x2015, 0x2212, 0x2E3A, 0x2E3B: return "-"
        default: return nil
        }
    }

    /// Steps 1 and 2 on UTF-8 bytes (all the syntax involved is ASCII, so multi-byte
    /// characters pass through untouched).
    static func decodeEntitiesAndBackslashes(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: " "):
                if let (scalar, end) = entity(in: bytes, from: index + 1) {
                    output.append(contentsOf: scalar.utf8)
                    index = end
                    continue
                }
            case UInt8(ascii: "\\"):
                let escapedDollar = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "$")
                output.append(escapedDollar ? UInt8(ascii: "$") : UInt8(ascii: " "))
                index += escapedDollar ? 2 : 1
                continue
            default:
                if index == 0, let (scalar, end) = entity(in: bytes, from: 0) {
                    output.append(contentsOf: scalar.utf8)
                    index = end
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// Named references recognised (with or without the `&`).
    private static let namedEntities: [(name: [UInt8], scalar: Unicode.Scalar)] = [
        (Array("lt;".utf8), "<"), (Array("gt;".utf8), ">"), (Array("amp;".utf8), "&"),
        (Array("quot;".utf8), "\""), (Array("apos;".utf8), "'"), (Array("nbsp;".utf8), "\u{A0}"),
    ]

    /// Parses an entity body (`name;`, `#N;`, `#xH;`) starting at `start`; returns its
    /// character and the index just past the `;`.
    static func entity(in bytes: [UInt8], from start: Int) -> (Unicode.Scalar, Int)? {
        guard start < bytes.count else { return nil }
        if bytes[start] == UInt8(ascii: "#") {
            var index = start + 1
            let hex = index < bytes.count && (bytes[index] | 0x20) == UInt8(ascii: "x")
            if hex { index += 1 }
            var value: UInt32 = 0
            var digits = 0
            while index < bytes.count, digits <= 7, let digit = digitValue(bytes[index], hex: hex) {
                value = value * (hex ? 16 : 10) + digit
                digits += 1
                index += 1
            }
            guard digits >= 1, digits <= 7, index < bytes.count, bytes[index] == UInt8(ascii: ";") else {
                return nil
            }
            return (characterReference(value), index + 1)
        }
        for (name, scalar) in namedEntities where bytes.count - start >= name.count {
            if bytes[start..<start + name.count].elementsEqual(name) { return (scalar, start + name.count) }
        }
        return nil
    }

    private static func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Windows-1252's characters for 0x80–0x9F, as HTML5 reads numeric references in that range
    /// (WHATWG HTML, "numeric character reference end state"); 0 means "keep the value".
    private static let windows1252: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// The character a numeric reference stands for, by the HTML5 rules.
    static func characterReference(_ value: UInt32) -> Unicode.Scalar {
        if value >= 0x80 && value <= 0x9F {
            let mapped = windows1252[Int(value - 0x80)]
            return Unicode.Scalar(mapped == 0 ? value : mapped) ?? "\u{FFFD}"
        }
        if value == 0 { return "\u{FFFD}" }
        return Unicode.Scalar(value) ?? "\u{FFFD}"  // surrogates and > U+10FFFF
    }
}
