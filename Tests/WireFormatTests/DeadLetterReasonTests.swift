import Testing
import TextPipeline
import WireFormat

@Suite struct DeadLetterReasonTests {
    static let special = SpecialTokens.standard

    @Test func anItemWithAKnownWordIsNoDeadLetter() {
        #expect(DeadLetterReason.noTokens(in: EncodedText(ids: [1, 0, 9, 2], isTruncated: false, tokenCount: 2), specialTokens: Self.special) == nil)
    }

    @Test func anItemWithNoTokenIsANoTokensDeadLetter() throws {
        let reason = try #require(
            DeadLetterReason.noTokens(in: EncodedText(ids: [1, 2], isTruncated: false, tokenCount: 0), specialTokens: Self.special))
        #expect(reason.kind == .noTokens)
        #expect(reason.kind.rawValue == "no_tokens")
        #expect(reason.message.contains("no word tokens"))
    }

    /// `<unk>` alone counts as no word: the model's answer would not depend on the text.
    @Test func anItemOfUnknownWordsOnlyIsANoTokensDeadLetter() throws {
        let reason = try #require(
            DeadLetterReason.noTokens(in: EncodedText(ids: [1, 0, 0, 0, 2], isTruncated: false, tokenCount: 3), specialTokens: Self.special))
        #expect(reason.kind == .noTokens)
        #expect(reason.message.contains("3 tokens"), "\(reason.message)")
        #expect(reason.message.contains("<unk>"))
    }
}
