import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct PaddingCollatorTests {
    @Test func padsToTheLongestItemRowMajorInInputOrder() {
        let batch = PaddingCollator().collate([[1, 7, 2], [1, 8, 9, 10, 2], [1]])
        let pad = SpecialTokens.standard.pad
        #expect(batch.batchSize == 3)
        #expect(batch.time == 5)
        #expect(batch.lengths == [3, 5, 1])
        #expect(batch.ids == [1, 7, 2, pad, pad, 1, 8, 9, 10, 2, 1, pad, pad, pad, pad])
        #expect(Array(batch.row(2)) == [1, pad, pad, pad, pad])
    }

    @Test func padsWithTheVocabularysPadID() throws {
        let ids = SpecialTokens(unk: 1, bos: 2, eos: 3, pad: 0)
        let vocabulary = try Vocabulary(tokens: ["<pad>", "<unk>", "<bos>", "<eos>", "x"], specialTokens: ids)
        let encoder = try TextEncoder(tokenizer: Tokenizer(), vocabulary: vocabulary)
        let batch = PaddingCollator(vocabulary: vocabulary).collate([encoder.encode("x x"), encoder.encode("y")])
        #expect(batch.ids == [2, 4, 4, 3, 2, 1, 3, 0])
        #expect(batch.lengths == [4, 3])
    }

    @Test func anItemAtMaxLengthSetsTheBatchLength() throws {
        let vocabulary = try Vocabulary(tokens: ["<unk>", "<bos>", "<eos>", "<pad>", "a"])
        let encoder = try TextEncoder(tokenizer: Tokenizer(), vocabulary: vocabulary, maxLength: 4)
        let items = [encoder.encode("a"), encoder.encode("a a a a a a"), encoder.encode("")]
        let batch = PaddingCollator().collate(items)
        #expect(items.map(\.isTruncated) == [false, true, false])
        #expect(batch.time == 4)
        #expect(batch.lengths == [3, 4, 2])
        #expect(batch.ids == [1, 4, 2, 3, 1, 4, 4, 4, 1, 2, 3, 3])
    }

    @Test func collatesAnEmptyBatch() {
        let batch = PaddingCollator().collate([[Int32]]())
        #expect(batch.batchSize == 0 && batch.time == 0 && batch.ids.isEmpty && batch.lengths.isEmpty)
    }
}
