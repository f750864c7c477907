extension EncodedText {
    /// How many of the model's input ids are words of its vocabulary: ids other than the four
    /// special tokens `<unk>`, `<bos>`, `<eos>` and `<pad>` of `specialTokens`.
    ///
    /// An item whose count is 0 carries no word the model can read (the worker's `no_tokens`
    /// dead letter): its ids are `<bos>`, then only `<unk>`s or nothing, then `<eos>`. Such an
    /// input depends on nothing but the number of tokens, so the model's answer to it is its
    /// prior for that length (the shipped model says "World" with about 0.86 to a text of zero
    /// width spaces, emoji or combining marks alone), never a reading of the text. `<unk>`-only
    /// items count as word-less for that reason: a text made of emoji, of stray combining marks
    /// or of words the vocabulary never saw gives the model nothing to go on. Only the ids the
    /// model sees count (after the cut at `maxLength`).
    public func knownWordCount(specialTokens: SpecialTokens) -> Int {
        var count = 0
        for id in ids
        where id != specialTokens.unk && id != specialTokens.bos && id != specialTokens.eos
            && id != specialTokens.pad
        {
            count += 1
        }
        return count
    }
}
