import Classification
import JSON
import Testing
import WireFormat

@Suite struct NewsInputTests {
    private func decode(_ json: String) -> Result<NewsInput, DeadLetterReason> {
        NewsInput.decode(Array(json.utf8))
    }

    private func kind(_ json: String) -> DeadLetterReason.Kind? {
        if case .failure(let reason) = decode(json) { return reason.kind }
        return nil
    }

    @Test func textWinsWhenNonEmpty() throws {
        let item = try decode(#"{"id":"t42","text":"Stocks rally","title":"ignored","description":"x"}"#).get()
        #expect(item == NewsInput(id: .string("t42"), text: "Stocks rally"))
    }

    @Test func titleAndDescriptionAreJoinedWithASpace() throws {
        #expect(try decode(#"{"title":"Wall St.","description":"Bears claw back"}"#).get().text == "Wall St. Bears claw back")
        #expect(try decode(#"{"title":"Only a title","description":null}"#).get().text == "Only a title")
        #expect(try decode(#"{"text":"","description":"Only a description"}"#).get().text == "Only a description")
    }

    @Test func numericIDIsKeptExactly() throws {
        #expect(try decode(#"{"id":9007199254740993,"text":"a"}"#).get().id == .integer(9_007_199_254_740_993))
        #expect(try decode(#"{"id":null,"text":"a","extra":[1,2]}"#).get().id == nil)
    }

    @Test func idsOfEveryAcceptedTypeAreKept() throws {
        #expect(try decode(#"{"id":"a/1","text":"a"}"#).get().id == .string("a/1"))
        #expect(try decode(#"{"id":-7,"text":"a"}"#).get().id == .integer(-7))
        #expect(try decode(#"{"id":2.5,"text":"a"}"#).get().id == .number(2.5))
    }

    /// A wrong type anywhere sends the message down the slow path, which names the field; the
    /// fields after it do not hide it.
    @Test func aWrongTypeIsNamedWhicheverFieldHasIt() {
        for (json, field) in [
            (#"{"id":[1],"text":"a"}"#, "'id'"), (#"{"id":{},"text":"a"}"#, "'id'"),
            (#"{"id":"x","text":"a","title":7}"#, "'title'"), (#"{"text":"a","description":false}"#, "'description'"),
        ] {
            guard case .failure(let reason) = decode(json) else {
                Issue.record("accepted \(json)")
                continue
            }
            #expect(reason.kind == .wrongType, "\(json)")
            #expect(reason.message.contains(field), "\(json): \(reason.message)")
        }
    }

    @Test func unknownFieldsOfAnyTypeAreIgnored() throws {
        let item = try decode(#"{"text":"Oil up","meta":{"source":["wire",1,null,true]},"score":1e3}"#).get()
        #expect(item == NewsInput(id: nil, text: "Oil up"))
    }

    @Test func invalidUTF8IsADeadLetter() {
        guard case .failure(let reason) = NewsInput.decode([0x7B, 0x22, 0xFF, 0x22, 0x7D]) else {
            Issue.record("decoded invalid UTF-8")
            return
        }
        #expect(reason.kind == .invalidUTF8)
        #expect(reason.message.contains("offset 2"))
    }

    @Test func invalidJSONIsADeadLetter() {
        #expect(kind(#"{"text": "unterminated"#) == .invalidJSON)
        #expect(kind("") == .invalidJSON)
    }

    @Test func nonObjectIsADeadLetter() {
        #expect(kind(#"["a","b"]"#) == .notAnObject)
        #expect(kind(#""just a string""#) == .notAnObject)
        #expect(kind("42") == .notAnObject)
    }

    @Test func wrongTypesAreDeadLetters() {
        #expect(kind(#"{"text":42}"#) == .wrongType)
        #expect(kind(#"{"title":["a"]}"#) == .wrongType)
        #expect(kind(#"{"id":true,"text":"a"}"#) == .wrongType)
        if case .failure(let reason) = decode(#"{"description":{"a":1}}"#) {
            #expect(reason.message.contains("'description'"))
        } else {
            Issue.record("accepted an object description")
        }
    }

    @Test func missingTextIsADeadLetter() {
        #expect(kind(#"{"id":"x"}"#) == .missingText)
        #expect(kind(#"{"text":null,"title":null}"#) == .missingText)
    }

    @Test func emptyTextIsADeadLetter() {
        #expect(kind(#"{"text":"   \t\n"}"#) == .emptyText)
        #expect(kind(#"{"text":""}"#) == .emptyText)
        #expect(kind(#"{"title":" ","description":" "}"#) == .emptyText)
    }

    /// Zero-width separators become spaces and the other format characters go, whether the
    /// message writes them raw or as escapes, in `text` as in `title` and `description`.
    @Test func theTextIsSanitisedWhenDecoded() throws {
        #expect(Array(try decode(#"{"text":"Stocks\u200brally\u00ad\u2060"}"#).get().text.unicodeScalars) == Array("Stocks rally".unicodeScalars))
        #expect(Array(try decode("{\"text\":\"\u{FEFF}Oil\u{200B}up\u{200D}\"}").get().text.unicodeScalars) == Array("Oil up".unicodeScalars))
        #expect(Array(try decode(#"{"title":"Wall\u200bSt","description":"Bears\ufeff"}"#).get().text.unicodeScalars) == Array("Wall St Bears".unicodeScalars))
    }

    /// `empty_text` is about the text as received: NBSP is whitespace, a zero-width space is
    /// not (a text of format characters alone decodes, and the model's vocabulary then finds
    /// no word in it: `no_tokens`, see ``DeadLetterReasonTests``).
    @Test func nbspOnlyTextStaysEmptyText() throws {
        #expect(kind(#"{"text":"\u00a0\u00a0"}"#) == .emptyText)
        #expect(kind("{\"text\":\"\u{A0} \u{A0}\"}") == .emptyText)
        #expect(try decode(#"{"text":"\u200b\u200b"}"#).get().text == "  ")
        #expect(try decode(#"{"text":"\ufeff"}"#).get().text == "")
    }

    /// A lone UTF-16 surrogate escape is named, with its place, rather than "not valid JSON".
    @Test func aLoneSurrogateEscapeIsNamedWithItsPosition() throws {
        for (json, surrogate, column) in [
            (#"{"text":"a\ud800b"}"#, "\\ud800", 11), (#"{"text":"\udc00"}"#, "\\udc00", 10),
            (#"{"id":1,"text":"x\ud83d\u0041"}"#, "\\ud83d", 18),
        ] {
            guard case .failure(let reason) = decode(json) else {
                Issue.record("accepted \(json)")
                continue
            }
            #expect(reason.kind == .invalidJSON, "\(json)")
            #expect(reason.message.contains("lone surrogate escape \(surrogate)"), "\(json): \(reason.message)")
            #expect(reason.message.contains("line 1, column \(column)"), "\(json): \(reason.message)")
        }
        #expect(try decode(#"{"text":"\ud83d\ude00 up"}"#).get().text == "\u{1F600} up", "a pair is one scalar")
    }

    /// Other broken JSON is located too.
    @Test func invalidJSONNamesItsPosition() {
        guard case .failure(let reason) = decode(#"{"text": "a" "b"}"#) else {
            Issue.record("accepted two strings in a row")
            return
        }
        #expect(reason.kind == .invalidJSON)
        #expect(reason.message.contains("line 1, column 14"), "\(reason.message)")
    }

    @Test func tooLargeIsRefusedBeforeParsing() {
        let big = Array(#"{"text":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 2000) + Array(#""}"#.utf8)
        guard case .failure(let reason) = NewsInput.decode(big, maxBytes: 1000) else {
            Issue.record("accepted an oversized message")
            return
        }
        #expect(reason.kind == .tooLarge)
        #expect(reason.message.contains("1000"))
    }
}
