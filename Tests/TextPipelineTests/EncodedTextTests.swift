import Testing
import TextPipeline

@Suite struct EncodedTextTests {
    static let special = SpecialTokens.standard

    @Test func specialTokensAreNoKnownWords() {
        #expect(EncodedText(ids: [1, 2], isTruncated: false, tokenCount: 0).knownWordCount(specialTokens: Self.special) == 0)
        #expect(EncodedText(ids: [1, 0, 0, 2], isTruncated: false, tokenCount: 2).knownWordCount(specialTokens: Self.special) == 0)
        #expect(EncodedText(ids: [1, 0, 3], isTruncated: true, tokenCount: 9).knownWordCount(specialTokens: Self.special) == 0)
    }

    @Test func vocabularyWordsAreCounted() {
        #expect(EncodedText(ids: [1, 0, 7, 4, 2], isTruncated: false, tokenCount: 3).knownWordCount(specialTokens: Self.special) == 2)
    }

    /// A model converted from elsewhere may number its special tokens differently.
    @Test func theModelsOwnSpecialIDsAreUsed() {
        let special = SpecialTokens(unk: 5, bos: 6, eos: 7, pad: 8)
        #expect(EncodedText(ids: [6, 5, 7], isTruncated: false, tokenCount: 1).knownWordCount(specialTokens: special) == 0)
        #expect(EncodedText(ids: [6, 0, 7], isTruncated: false, tokenCount: 1).knownWordCount(specialTokens: special) == 1)
    }
}
