/// Turns text into model input: tokenize, look up ids, add `<bos>`/`<eos>`, cut at `maxLength`.
///
/// `encode(text)` = `[<bos>] + [vocabulary id of each token] + [<eos>]`, keeping the first
/// `maxLength` ids (the notebook's 256 by default, `config.json` `max_length`). Batch the results
/// with ``PaddingCollator``.
public struct TextEncoder: Sendable {
    /// Splits text into tokens.
    public let tokenizer: Tokenizer
    /// Maps tokens to ids.
    public let vocabulary: Vocabulary
    /// The most ids an encoded item keeps, `<bos>` and `<eos>` included.
    public let maxLength: Int

    /// The notebook's cut: 256 ids.
    public static let defaultMaxLength = 256

    /// An encoder.
    ///
    /// - Parameters:
    ///   - tokenizer: the tokenizer of the model's `preprocessing`.
    ///   - vocabulary: the model's vocabulary (its special-token ids are used).
    ///   - maxLength: the cut, at least 2.
    /// - Throws: ``TextEncoderError`` `.invalidMaxLength` if `maxLength < 2`.
    public init(tokenizer: Tokenizer, vocabulary: Vocabulary, maxLength: Int = defaultMaxLength)
        throws(TextEncoderError)
    {
        guard maxLength >= 2 else { throw TextEncoderError(.invalidMaxLength(maxLength)) }
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.maxLength = maxLength
    }

    /// Encodes one text (tokenizing it with ``tokenizer``).
    public func encode(_ text: String) -> EncodedText {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: maxLength) { buffer in
            buffer[0] = vocabulary.specialTokens.bos
            var length = 1
            var tokenCount = 0
            tokenizer.forEachToken(in: text) { token in
                if length < maxLength {
                    buffer[length] = vocabulary.id(ofUTF8: token)
                    length += 1
                }
                tokenCount += 1
            }
            if length < maxLength {
                buffer[length] = vocabulary.specialTokens.eos
                length += 1
            }
            return EncodedText(
                ids: Array(buffer[0..<length]), isTruncated: tokenCount + 2 > maxLength, tokenCount: tokenCount)
        }
    }

    /// Encodes already-tokenized text.
    public func encode(tokens: [String]) -> EncodedText {
        var ids: [Int32] = [vocabulary.specialTokens.bos]
        ids.reserveCapacity(min(maxLength, tokens.count + 2))
        for token in tokens.prefix(maxLength - 1) { ids.append(vocabulary.id(of: token)) }
        return finish(ids, tokens.count)
    }

    private func finish(_ ids: [Int32], _ tokenCount: Int) -> EncodedText {
        var ids = ids
        if ids.count < maxLength { ids.append(vocabulary.specialTokens.eos) }
        return EncodedText(ids: ids, isTruncated: tokenCount + 2 > maxLength, tokenCount: tokenCount)
    }
}
