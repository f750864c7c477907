import Foundation
import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct VocabularyBuilderTests {
    /// Every one of the 51,898 rows of train-partial, counted once for all tests here.
    static let trainPartial = Result { () throws -> VocabularyBuilder in
        var builder = VocabularyBuilder()
        for item in try AGNewsReader.read(contentsOf: Fixtures.trainPartial) { builder.add(item.text) }
        return builder
    }

    @Test func reproducesTheNotebookModelVocabularyByteForByte() throws {
        let builder = try Self.trainPartial.get()
        let expected = try Data(contentsOf: Fixtures.notebookModel.appendingPathComponent("vocab.txt"))
        let vocabulary = try builder.vocabulary(threshold: 10)
        #expect(vocabulary.vocabTxt == expected)
    }

    @Test func matchesTheFixtureStatisticsOfTrainPartial() throws {
        let builder = try Self.trainPartial.get()
        let stats = try Fixtures.vocabStats().train_partial
        #expect(builder.tokenCount == stats.tokens)
        #expect(builder.distinctWordCount == stats.distinct_words)
        #expect(try builder.vocabulary(threshold: 25).count == stats.vocab_size_threshold_25)
        #expect(try builder.vocabulary(threshold: 20).count == stats.vocab_size_threshold_20)
        #expect(try builder.vocabulary(threshold: 10).count == stats.vocab_size_threshold_10)
        let top = builder.words(countAbove: 0).prefix(stats.top30.count)
        for (pair, (word, count)) in zip(stats.top30, top) {
            guard case .string(let expectedWord) = pair[0], case .int(let expectedCount) = pair[1] else {
                Issue.record("malformed top30 entry \(pair)")
                continue
            }
            #expect(word == expectedWord && count == expectedCount)
            #expect(builder.count(of: expectedWord) == expectedCount)
        }
    }

    @Test func isIndependentOfTextOrder() throws {
        let texts = try Fixtures.testItems.get().map(\.text)
        var forward = VocabularyBuilder()
        var backward = VocabularyBuilder()
        for text in texts { forward.add(text) }
        for text in texts.reversed() { backward.add(text) }
        let stats = try Fixtures.vocabStats().test
        #expect(forward.distinctWordCount == stats.distinct_words)
        #expect(try forward.vocabulary(threshold: 25).count == stats.vocab_size_threshold_25)
        #expect(try forward.vocabulary(threshold: 10).vocabTxt == backward.vocabulary(threshold: 10).vocabTxt)
        #expect(try forward.vocabulary(threshold: 1).vocabTxt == backward.vocabulary(threshold: 1).vocabTxt)
    }

    @Test func keepsCountsStrictlyAboveTheThresholdAndBreaksTiesByBytes() throws {
        var builder = VocabularyBuilder()
        // "é" precomposed (C3 A9) sorts after "e" + U+0301 (65 CC 81) by bytes; Swift's String
        // comparison would call the two equal.
        builder.add(tokens: ["b", "a", "b", "caf\u{E9}", "cafe\u{301}", "a", "z", "caf\u{E9}", "cafe\u{301}", "a"])
        #expect(try builder.vocabulary(threshold: 2).tokens == ["<unk>", "<bos>", "<eos>", "<pad>", "a"])
        let tokens = try builder.vocabulary(threshold: 1).tokens
        #expect(Fixtures.bytes(tokens) == Fixtures.bytes(["<unk>", "<bos>", "<eos>", "<pad>", "a", "b", "cafe\u{301}", "caf\u{E9}"]))
    }

    @Test func placesSpecialTokensAtTheirIDs() throws {
        var builder = VocabularyBuilder()
        builder.add(tokens: ["x", "y", "x"])
        let ids = SpecialTokens(unk: 1, bos: 5, eos: 2, pad: 0)
        let vocabulary = try builder.vocabulary(threshold: 0, specialTokens: ids)
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "<eos>", "x", "y", "<bos>"])
        #expect(vocabulary.specialTokens == ids)
    }

    @Test func neverAddsASpecialTokenSpellingAsAWord() throws {
        var builder = VocabularyBuilder()
        builder.add(tokens: ["<pad>", "<pad>", "word"])
        #expect(try builder.vocabulary(threshold: 0).tokens == ["<unk>", "<bos>", "<eos>", "<pad>", "word"])
    }

    @Test func refusesASpecialIDBeyondTheVocabulary() {
        var builder = VocabularyBuilder()
        builder.add(tokens: ["x"])
        #expect(throws: VocabularyError.self) {
            try builder.vocabulary(threshold: 0, specialTokens: SpecialTokens(unk: 0, bos: 1, eos: 2, pad: 9))
        }
    }

    @Test func refusesAWordThatCannotBeAToken() {
        var builder = VocabularyBuilder()
        builder.add(tokens: ["new york"])
        #expect(throws: VocabularyError(file: "built vocabulary", line: 5, kind: .whitespaceInToken("new york"))) {
            try builder.vocabulary(threshold: 0)
        }
    }
}
