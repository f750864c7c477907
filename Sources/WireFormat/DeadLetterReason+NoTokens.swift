import TextPipeline

extension DeadLetterReason {
    /// The `no_tokens` dead letter for an item the model would read no word of, or `nil` when
    /// `encoded` holds at least one word of the vocabulary.
    ///
    /// "No word tokens" means that the ids the model would see are `<bos>`, then nothing or only
    /// `<unk>`, then `<eos>` (``EncodedText/knownWordCount(specialTokens:)`` is 0): a text of
    /// zero-width spaces, byte-order marks, emoji, combining marks or punctuation alone, or of
    /// words the vocabulary never saw. The model's answer to such an input does not depend on
    /// the text, so the worker and `newsclf classify` give no label for it.
    ///
    /// - Parameters:
    ///   - encoded: the item as the model's encoder encoded it (after ``TextSanitizer``).
    ///   - specialTokens: the model's special-token ids.
    public static func noTokens(in encoded: EncodedText, specialTokens: SpecialTokens) -> DeadLetterReason? {
        guard encoded.knownWordCount(specialTokens: specialTokens) == 0 else { return nil }
        let message =
            encoded.tokenCount == 0
            ? "the text has no word tokens after sanitising and preprocessing (the model would read only <bos> <eos>)"
            : (encoded.tokenCount == 1
                ? "the text's one token is not in the model's vocabulary"
                : "none of the text's \(encoded.tokenCount) tokens is in the model's vocabulary")
                + " (the model would read only <bos>, <unk> and <eos>)"
        return DeadLetterReason(kind: .noTokens, message: message)
    }
}
