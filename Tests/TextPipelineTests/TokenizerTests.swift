import Foundation
import TestSupport
import Testing

@testable import TextPipeline

@Suite(.onNumericsThreads) struct TokenizerTests {
    let notebook = Tokenizer(preprocessing: .notebookV1)
    let normalized = Tokenizer(preprocessing: .normalizedV1)

    /// The first mismatching rows, as `row i: got […] expected […]`.
    private func mismatches(
        _ items: [NewsItem], _ expected: [Fixtures.TokenRow], asciiFastPath: Bool
    ) -> [String] {
        var found: [String] = []
        for (item, row) in zip(items, expected) {
            var tokens: [String] = []
            notebook.forEachToken(in: item.text, asciiFastPath: asciiFastPath) {
                tokens.append(String(decoding: $0, as: UTF8.self))
            }
            if Fixtures.bytes(tokens) != Fixtures.bytes(row.tokens) {
                found.append("row \(row.i): got \(tokens) expected \(row.tokens)")
            }
        }
        return found
    }

    @Test func reproducesNLTKOnEveryTestRow() throws {
        let items = try Fixtures.testItems.get()
        let expected = try Fixtures.testTokens.get()
        try #require(items.count == expected.count)
        #expect(expected.enumerated().allSatisfy { $0.offset == $0.element.i })
        #expect(zip(items, expected).allSatisfy { $0.label == $1.label })
        let wrong = mismatches(items, expected, asciiFastPath: true)
        #expect(wrong.isEmpty, "\(wrong.count) rows differ, e.g. \(wrong.prefix(3))")
    }

    @Test func scalarPathAgreesWithFixturesOnTestRows() throws {
        let items = try Fixtures.testItems.get()
        let expected = try Fixtures.testTokens.get()
        let wrong = mismatches(items, expected, asciiFastPath: false)
        #expect(wrong.isEmpty, "\(wrong.count) rows differ, e.g. \(wrong.prefix(3))")
    }

    @Test(arguments: try Fixtures.trickyCases())
    func reproducesTrickyCase(_ tricky: Fixtures.TrickyCase) {
        let tokens = notebook.tokenize(tricky.text)
        #expect(
            Fixtures.bytes(tokens) == Fixtures.bytes(tricky.tokens),
            "\(tricky.name): got \(tokens), expected \(tricky.tokens) (\(tricky.note))")
        let cleaned = notebook.clean(tricky.text)
        #expect(
            Array(cleaned.utf8) == Array(tricky.cleaned.utf8),
            "\(tricky.name): cleaned \(cleaned.debugDescription), expected \(tricky.cleaned.debugDescription)")
    }

    /// The documented choice (case `accented_decomposed`): notebook-v1 keeps Python's scalars, so
    /// `e` + U+0301 and precomposed `é` are different tokens; normalized-v1 (NFKC) makes them one.
    @Test func decomposedAndPrecomposedAccentsAreDistinctTokensUnderNotebookV1() throws {
        let tricky = try #require(try Fixtures.trickyCases().first { $0.name == "accented_decomposed" })
        let tokens = notebook.tokenize(tricky.text)
        try #require(tokens.count == 3)
        #expect(Array(tokens[0].utf8) != Array(tokens[2].utf8))
        #expect(tokens[0] == tokens[2], "Swift String == calls them equal; the tokenizer must not rely on it")
        var builder = VocabularyBuilder(tokenizer: notebook)
        builder.add(tricky.text)
        #expect(builder.distinctWordCount == 3)

        let normalizedTokens = normalized.tokenize(tricky.text)
        #expect(Array(normalizedTokens[0].utf8) == Array(normalizedTokens[2].utf8))
    }

    @Test func apostropheSpellingsAgreeUnderNormalizedV1() {
        let reference = Fixtures.bytes(notebook.tokenize("Apple's profit"))
        for spelling in ["Apple's profit", "Apple’s profit", "Apple #39;s profit", "Apple&#39;s profit", "Apple&#8217;s profit"] {
            #expect(Fixtures.bytes(normalized.tokenize(spelling)) == reference, "\(spelling)")
        }
        #expect(Fixtures.bytes(notebook.tokenize("Apple #39;s profit")) != reference)
    }

    @Test func normalizedV1SplitsBackslashLineBreaksLikeSpaces() {
        #expect(normalized.tokenize(#"A second\team won \$10.5 million"#) == notebook.tokenize("A second team won $10.5 million"))
        #expect(normalized.tokenize(#"end.\\Next"#) == notebook.tokenize("end. Next"))
    }

    @Test func normalizedV1MapsUnicodeQuotesAndDashesToASCII() {
        #expect(
            Fixtures.bytes(normalized.tokenize("“Quote”—said O’Brien 2004–2005 ﬁnance"))
                == Fixtures.bytes(notebook.tokenize("\"Quote\"-said O'Brien 2004-2005 finance")))
    }

    @Test func contractionsSplitOnlyAsWholeWordRuns() {
        // Python re (?i): `i` also matches dotless ı; a digit glued on is part of the \w run.
        #expect(notebook.tokenize("gımme 2cannot cannot2 wanna") == ["gım", "me", "2cannot", "cannot2", "wan", "na"])
        // A control character is neither \w nor whitespace: the run still ends there.
        #expect(notebook.tokenize("cannot\u{1}x wanna\u{1}") == ["can", "not", "\u{1}x", "wanna\u{1}"])
    }

    @Test func punctuationSetIsPythonsStringPunctuation() {
        let punctuation = Set(##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##.utf8)
        #expect(punctuation.count == 32)
        for byte in UInt8(0)..<0x80 {
            #expect(Tokenizer.isASCIIPunctuation(byte) == punctuation.contains(byte), "byte \(byte)")
            #expect(Tokenizer.punctuationBit(byte) == (punctuation.contains(byte) ? 1 : 0), "byte \(byte)")
        }
    }

    @Test func emptyAndPunctuationOnlyTextsHaveNoTokens() {
        #expect(notebook.tokenize("").isEmpty)
        #expect(notebook.tokenize(" ... --- ").isEmpty)
        #expect(normalized.tokenize(" #39; ").isEmpty)
    }
}
