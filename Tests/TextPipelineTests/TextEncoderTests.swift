import Foundation
import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct TextEncoderTests {
    static let vocabulary = Result {
        try Vocabulary(contentsOf: Fixtures.notebookModel.appendingPathComponent("vocab.txt"))
    }

    @Test func encodesEveryTestRowAsBosIdsEos() throws {
        let vocabulary = try Self.vocabulary.get()
        let encoder = try TextEncoder(tokenizer: Tokenizer(), vocabulary: vocabulary)
        let items = try Fixtures.testItems.get()
        let expected = try Fixtures.testTokens.get()
        var wrong = 0
        for (item, row) in zip(items, expected) {
            let encoded = encoder.encode(item.text)
            let ids = [vocabulary.specialTokens.bos] + row.tokens.map { vocabulary.id(of: $0) } + [vocabulary.specialTokens.eos]
            if encoded != EncodedText(ids: ids, isTruncated: false, tokenCount: row.tokens.count) { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    @Test func encodesTokensLikeText() throws {
        let encoder = try TextEncoder(tokenizer: Tokenizer(), vocabulary: Self.vocabulary.get(), maxLength: 6)
        for text in ["Stocks rose sharply on Wall Street today after the news", "Oil", "", "zzzz qqqq the"] {
            #expect(encoder.encode(text) == encoder.encode(tokens: Tokenizer().tokenize(text)))
        }
    }

    @Test func mapsUnknownWordsToUnk() throws {
        let vocabulary = try Self.vocabulary.get()
        let encoder = try TextEncoder(tokenizer: Tokenizer(), vocabulary: vocabulary)
        let ids = encoder.encode("the qqqqzzzz").ids
        #expect(ids == [vocabulary.specialTokens.bos, vocabulary.id(of: "the"), vocabulary.specialTokens.unk, vocabulary.specialTokens.eos])
    }

    @Test func cutsAtMaxLengthKeepingTheFirstIDs() throws {
        let vocabulary = try Self.vocabulary.get()
        let words = ["the", "oil", "price", "rose", "in", "new", "york"]
        let full = [vocabulary.specialTokens.bos] + words.map { vocabulary.id(of: $0) } + [vocabulary.specialTokens.eos]
        let text = words.joined(separator: " ")
        for maxLength in 2...(full.count + 2) {
            let encoded = try TextEncoder(tokenizer: Tokenizer(), vocabulary: vocabulary, maxLength: maxLength).encode(text)
            #expect(encoded.ids == Array(full.prefix(maxLength)))
            #expect(encoded.isTruncated == (full.count > maxLength))
            #expect(encoded.tokenCount == words.count)
        }
    }

    @Test func refusesAMaxLengthWithoutRoomForBosAndEos() throws {
        let vocabulary = try Self.vocabulary.get()
        #expect(throws: TextEncoderError(.invalidMaxLength(1))) {
            try TextEncoder(tokenizer: Tokenizer(), vocabulary: vocabulary, maxLength: 1)
        }
    }
}
