import Foundation
import Testing
import TextPipeline

@Suite struct TextSanitizerTests {
    @Test func asciiTextIsUnchanged() {
        let text = "Yankees beat Red Sox 5-3 (AP) \\ #39;s"
        #expect(TextSanitizer.sanitize(text) == text)
    }

    @Test func zeroWidthSeparatorsBecomeASpace() {
        #expect(Array(TextSanitizer.sanitize("Stocks\u{200B}rally").unicodeScalars) == Array("Stocks rally".unicodeScalars))
        #expect(Array(TextSanitizer.sanitize("i\u{2063}j").unicodeScalars) == Array("i j".unicodeScalars))
        #expect(TextSanitizer.sanitize("\u{200B}\u{200B}") == "  ")
    }

    @Test func theOtherFormatCharactersAreRemoved() {
        for scalar: UInt32 in [0xAD, 0x200C, 0x200D, 0x200E, 0x200F, 0x202E, 0x2060, 0x2066, 0xFEFF, 0x180E, 0x0600, 0xE0067] {
            let text = "co" + String(Unicode.Scalar(scalar)!) + "op"
            #expect(Array(TextSanitizer.sanitize(text).unicodeScalars) == Array("coop".unicodeScalars), "U+\(String(scalar, radix: 16))")
        }
        #expect(TextSanitizer.sanitize("\u{FEFF}") == "")
    }

    /// Every scalar of General_Category Cf goes, as a space or as nothing; no other scalar does.
    @Test func everyFormatCharacterAndNothingElseIsTouched() {
        var formatCount = 0
        for value in UInt32(0x80)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let sanitized = TextSanitizer.sanitize(String(scalar))
            if scalar.properties.generalCategory == .format {
                formatCount += 1
                #expect(sanitized == (TextSanitizer.isZeroWidthSeparator(scalar) ? " " : ""), "U+\(String(value, radix: 16))")
                #expect(TextSanitizer.isRemoved(scalar) != TextSanitizer.isZeroWidthSeparator(scalar))
            } else if Array(sanitized.unicodeScalars) != [scalar] {
                Issue.record("U+\(String(value, radix: 16)) (not Cf) was changed")
            }
        }
        #expect(formatCount >= 160, "the Unicode data knows \(formatCount) format characters")
    }

    @Test func whitespaceCombiningMarksAndEmojiAreKept() {
        for text in ["\u{A0}\u{A0}", "e\u{301}\u{308}", "\u{1F4F0}\u{1F389}", "\u{3000}x"] {
            #expect(Array(TextSanitizer.sanitize(text).unicodeScalars) == Array(text.unicodeScalars))
        }
    }

    /// A zero-width space between words no longer glues them into one token.
    @Test func aZeroWidthSpaceInASentenceSeparatesItsWords() {
        for preprocessing in Preprocessing.allCases {
            let tokenizer = Tokenizer(preprocessing: preprocessing)
            let glued = tokenizer.tokenize(TextSanitizer.sanitize("Yankees\u{200B}beat\u{200B}Red Sox\u{200B}\u{FEFF}"))
            let spaced = tokenizer.tokenize("Yankees beat Red Sox")
            #expect(glued.map { Array($0.utf8) } == spaced.map { Array($0.utf8) }, "\(preprocessing)")
        }
    }

    /// The notebook's data has none of these scalars: sanitising changes no AG News test row.
    @Test func agNewsTestRowsAreUnchanged() throws {
        let items = try Fixtures.testItems.get()
        #expect(items.count == 7600)
        let changed = items.indices.filter { Array(TextSanitizer.sanitize(items[$0].text).utf8) != Array(items[$0].text.utf8) }
        #expect(changed.isEmpty, "rows \(changed.prefix(5))")
    }
}
