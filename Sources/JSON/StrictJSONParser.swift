
/// A validating JSON parser (RFC 8259) that refuses what lenient parsers let through, with the
/// line and column of the problem: a trailing comma in an object or an array, a key given twice
/// in one object (naming the line of its first occurrence), a lone UTF-16 surrogate escape
/// (`\ud800` without its low half), control characters in strings, invalid UTF-8, leading zeros,
/// and anything after the top-level value.
///
/// The worker's configuration file goes through it before its settings are read: Foundation's
/// `JSONSerialization` (which swift-configuration's JSON provider uses) accepts a trailing comma
/// and lets the last duplicate win, so an override appended to a file, or one the first key
/// shadows, would be silently taken or ignored. A UTF-8 byte-order mark at the start is skipped
/// (RFC 8259 §8.1 allows a parser to ignore it).
public struct StrictJSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var column = 1
    private var depth = 0

    /// The deepest nesting of objects and arrays accepted (a configuration file needs three).
    public static let maximumDepth = 256

    /// Parses `bytes` (UTF-8) as one JSON value.
    /// - Throws: ``StrictJSONError`` at the first problem.
    public static func parse(_ bytes: [UInt8]) throws(StrictJSONError) -> JSONValue {
        var parser = StrictJSONParser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the top-level value")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: Values

    private mutating func parseValue() throws(StrictJSONError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of file, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func parseObject() throws(StrictJSONError) -> JSONValue {
        try enterContainer()
        advance()  // {
        var fields: [String: JSONValue] = [:]
        var firstLines: [String: Int] = [:]
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            advance()
            depth -= 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file inside an object") }
            guard peek == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a key in double quotes")
            }
            let keyLine = line
            let keyColumn = column
            let key = try parseString()
            if let first = firstLines[key] {
                throw StrictJSONError(
                    line: keyLine, column: keyColumn,
                    problem: "duplicate key \"\(key)\" (first at line \(first))")
            }
            firstLines[key] = keyLine
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else {
                throw error(index < bytes.count ? "unexpected \(describeCurrent()), expected \":\" after the key" : "unexpected end of file inside an object")
            }
            advance()
            skipWhitespace()
            fields[key] = try parseValue()
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file inside an object") }
            if peek == UInt8(ascii: "}") {
                advance()
                depth -= 1
                return .object(fields)
            }
            guard peek == UInt8(ascii: ",") else {
                throw error("unexpected \(describeCurrent()), expected \",\" or \"}\"")
            }
            try refuseTrailingComma(closing: UInt8(ascii: "}"))
        }
    }

    private mutating func parseArray() throws(StrictJSONError) -> JSONValue {
        try enterContainer()
        advance()  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            advance()
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of file inside an array") }
            if peek == UInt8(ascii: "]") {
                advance()
                depth -= 1
                return .array(items)
            }
            guard peek == UInt8(ascii: ",") else {
                throw error("unexpected \(describeCurrent()), expected \",\" or \"]\"")
            }
            try refuseTrailingComma(closing: UInt8(ascii: "]"))
        }
    }

    /// At a comma: consumes it, and refuses it (at the comma) when the container closes next.
    private mutating func refuseTrailingComma(closing: UInt8) throws(StrictJSONError) {
        let commaLine = line
        let commaColumn = column
        advance()
        skipWhitespace()
        if peek == closing {
            throw StrictJSONError(
                line: commaLine, column: commaColumn,
                problem: "trailing comma before \"\(Character(Unicode.Scalar(closing)))\"")
        }
    }

    private mutating func enterContainer() throws(StrictJSONError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("nested deeper than \(Self.maximumDepth) objects and arrays")
        }
    }

    private mutating func parseLiteral(_ literal: String) throws(StrictJSONError) {
        for expected in literal.utf8 {
            guard peek == expected else {
                throw error(
                    index < bytes.count
                        ? "unexpected \(describeCurrent()) in the literal \(literal)"
                        : "unexpected end of file in the literal \(literal)")
            }
            advance()
        }
    }

    private mutating func parseNumber() throws(StrictJSONError) -> JSONValue {
        let start = index
        let startLine = line
        let startColumn = column
        func digits(_ parser: inout StrictJSONParser) -> Int {
            var count = 0
            while let byte = parser.peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                parser.advance()
                count += 1
            }
            return count
        }
        if peek == UInt8(ascii: "-") { advance() }
        if peek == UInt8(ascii: "0") {
            advance()
            if let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                throw error("a number must not start with a leading zero")
            }
        } else if digits(&self) == 0 {
            throw error("expected a digit in the number")
        }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            advance()
            guard digits(&self) > 0 else { throw error("expected a digit after the decimal point") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            advance()
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { advance() }
            guard digits(&self) > 0 else { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let number = Double(text), number.isFinite else {
            throw StrictJSONError(line: startLine, column: startColumn, problem: "the number \(text) is out of range")
        }
        return .number(number)
    }

    // MARK: Strings

    private mutating func parseString() throws(StrictJSONError) -> String {
        let startLine = line
        let startColumn = column
        advance()  // "
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek else {
                throw StrictJSONError(
                    line: startLine, column: startColumn, problem: "unexpected end of file inside the string")
            }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw StrictJSONError(
                        line: startLine, column: startColumn, problem: "the string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw error("control character U+\(hex(UInt32(byte), width: 4)) in a string (write it as an escape)")
            default:
                utf8.append(byte)
                advance()
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(StrictJSONError) {
        let escapeLine = line
        let escapeColumn = column
        advance()  // backslash
        guard let byte = peek else { throw error("unexpected end of file in an escape") }
        advance()
        let simple: UInt8? =
            switch byte {
            case UInt8(ascii: "\""): UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            case UInt8(ascii: "/"): UInt8(ascii: "/")
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let simple {
            utf8.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else {
            throw StrictJSONError(
                line: escapeLine, column: escapeColumn,
                problem: "invalid escape \\\(Character(Unicode.Scalar(byte)))")
        }
        let unit = try parseHexQuad()
        var scalarValue = UInt32(unit)
        if (0xD800...0xDBFF).contains(unit) {
            // A high surrogate: its low half must follow as the next escape.
            let isLowNext =
                index + 5 < bytes.count && bytes[index] == UInt8(ascii: "\\") && bytes[index + 1] == UInt8(ascii: "u")
            var low: UInt16?
            if isLowNext {
                let saved = (index, line, column)
                advance()
                advance()
                let candidate = try parseHexQuad()
                if (0xDC00...0xDFFF).contains(candidate) {
                    low = candidate
                } else {
                    (index, line, column) = saved
                }
            }
            guard let low else {
                throw StrictJSONError(
                    line: escapeLine, column: escapeColumn,
                    problem: "lone surrogate escape \\u\(hex(UInt32(unit), width: 4).lowercased()): a UTF-16 high surrogate without the low surrogate that must follow it")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw StrictJSONError(
                line: escapeLine, column: escapeColumn,
                problem: "lone surrogate escape \\u\(hex(UInt32(unit), width: 4).lowercased()): a UTF-16 low surrogate without the high surrogate before it")
        }
        // Every value left is a valid scalar (surrogates were handled above).
        utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(scalarValue)!)).utf8))
    }

    private mutating func parseHexQuad() throws(StrictJSONError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek else { throw error("unexpected end of file in a \\u escape") }
            let digit: UInt16
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt16(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt16(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt16(byte - UInt8(ascii: "A") + 10)
            default: throw error("expected four hexadecimal digits after \\u")
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    // MARK: Position

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Moves past one byte; a UTF-8 continuation byte does not start a new column.
    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == 0x0A {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            advance()
        }
    }

    private func error(_ problem: String) -> StrictJSONError {
        StrictJSONError(line: line, column: column, problem: problem)
    }

    private func describeCurrent() -> String {
        guard let byte = peek else { return "end of file" }
        if (0x21...0x7E).contains(byte) { return "\"\(Character(Unicode.Scalar(byte)))\"" }
        return "byte 0x\(hex(UInt32(byte), width: 2))"
    }

    private func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
