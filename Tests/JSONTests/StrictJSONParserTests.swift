import JSON
import Testing

@Suite struct StrictJSONParserTests {
    static func parse(_ text: String) throws(StrictJSONError) -> JSONValue {
        try StrictJSONParser.parse(Array(text.utf8))
    }

    static func refusal(_ text: String) -> StrictJSONError? {
        do throws(StrictJSONError) {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func validDocumentsAreAccepted() throws {
        let value = try Self.parse(
            #"{"a": 1, "b": [true, false, null], "c": {"d": "e\u00e9\n", "f": -0.5e2}, "g": [], "h": {}, "i": "\ud83d\ude00"}"#)
        #expect(
            value
                == .object([
                    "a": .integer(1), "b": .array([.bool(true), .bool(false), .null]),
                    "c": .object(["d": .string("eé\n"), "f": .number(-50)]), "g": .array([]), "h": .object([:]),
                    "i": .string("😀"),
                ]))
        #expect(try Self.parse(" 42 ") == .integer(42))
    }

    @Test func aLeadingByteOrderMarkIsSkipped() throws {
        #expect(try StrictJSONParser.parse([0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8)) == .object(["a": .integer(1)]))
    }

    @Test func aTrailingCommaAtTheTopLevelIsRefusedAtTheComma() {
        let error = Self.refusal("{\n  \"a\": 1,\n  \"b\": 2,\n}")
        #expect(error == StrictJSONError(line: 3, column: 9, problem: #"trailing comma before "}""#))
    }

    @Test func aTrailingCommaInANestedObjectIsRefused() {
        let error = Self.refusal("{\"kafka\": {\"acks\": \"all\", }}")
        #expect(error == StrictJSONError(line: 1, column: 25, problem: #"trailing comma before "}""#))
    }

    @Test func aTrailingCommaInAnArrayIsRefused() {
        let error = Self.refusal(#"{"bootstrap_servers": ["a:1", "b:1",]}"#)
        #expect(error == StrictJSONError(line: 1, column: 36, problem: #"trailing comma before "]""#))
    }

    @Test func aDuplicateKeyIsRefusedNamingTheFirst() {
        let error = Self.refusal("{\n  \"batch_max_size\": 8,\n  \"group_id\": \"g\",\n  \"batch_max_size\": 16\n}")
        #expect(error == StrictJSONError(line: 4, column: 3, problem: #"duplicate key "batch_max_size" (first at line 2)"#))
    }

    @Test func aDuplicateKeyInsideANestedObjectIsRefused() {
        let error = Self.refusal("{\"kafka\": {\"acks\": \"1\",\n \"acks\": \"all\"}, \"acks\": 1}")
        #expect(error == StrictJSONError(line: 2, column: 2, problem: #"duplicate key "acks" (first at line 1)"#))
    }

    @Test(arguments: [
        ("{\"a\": 1", "unexpected end of file inside an object"),
        ("{\"a\": ", "unexpected end of file, expected a value"),
        ("{\"a\": \"b", "unexpected end of file inside the string"),
        ("[1, 2", "unexpected end of file inside an array"),
        ("", "unexpected end of file, expected a value"),
    ])
    func aTruncatedDocumentIsRefused(text: String, problem: String) {
        #expect(Self.refusal(text)?.problem == problem)
    }

    @Test func aLoneSurrogateEscapeIsNamed() {
        let high = Self.refusal(#"{"text": "a\ud800b"}"#)
        #expect(high?.problem.hasPrefix(#"lone surrogate escape \ud800"#) == true, "\(String(describing: high))")
        #expect(high?.column == 12)
        let low = Self.refusal(#"["\udc00"]"#)
        #expect(low?.problem.hasPrefix(#"lone surrogate escape \udc00"#) == true, "\(String(describing: low))")
        let highThenOther = Self.refusal(#"["\ud800\u0041"]"#)
        #expect(highThenOther?.problem.hasPrefix(#"lone surrogate escape \ud800"#) == true)
    }

    @Test(arguments: [
        (#"{"a": 01}"#, "a number must not start with a leading zero"),
        (#"{"a": 1.}"#, "expected a digit after the decimal point"),
        (#"{"a": tru}"#, "unexpected \"}\" in the literal true"),
        (#"{a: 1}"#, "unexpected \"a\", expected a key in double quotes"),
        (#"{"a" 1}"#, "unexpected \"1\", expected \":\" after the key"),
        (#"{"a": 1} x"#, "unexpected \"x\" after the top-level value"),
        (#"{"a": "\x"}"#, "invalid escape \\x"),
        ("{\"a\": \"tab\there\"}", "control character U+0009 in a string (write it as an escape)"),
        (#"[1 2]"#, "unexpected \"2\", expected \",\" or \"]\""),
    ])
    func otherInvalidJSONIsRefused(text: String, problem: String) {
        #expect(Self.refusal(text)?.problem == problem)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: StrictJSONError.self) { try StrictJSONParser.parse([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D]) }
    }

    @Test func columnsCountCharactersNotBytes() {
        let error = Self.refusal("{\"é\": 1,}")
        #expect(error?.column == 8)
    }

    @Test func nestingBeyondTheLimitIsRefused() {
        let deep = String(repeating: "[", count: StrictJSONParser.maximumDepth + 1)
        #expect(Self.refusal(deep)?.problem.hasPrefix("nested deeper than") == true)
    }
}
