/// One item as the model receives it: `[<bos>] + ids + [<eos>]`, cut to the maximum length.
public struct EncodedText: Sendable, Hashable {
    /// The token ids, shape `[length]` with `1 ≤ length ≤ maxLength`: `<bos>`, the words'
    /// ids (`<unk>` for unknown words), `<eos>`; when longer than `maxLength`, the first
    /// `maxLength` of them (so a cut item has no `<eos>`).
    public var ids: [Int32]
    /// Whether the cut at `maxLength` dropped ids (the output message's `truncated`).
    public var isTruncated: Bool
    /// The number of word tokens before the cut (without `<bos>`/`<eos>`).
    public var tokenCount: Int

    public init(ids: [Int32], isTruncated: Bool, tokenCount: Int) {
        self.ids = ids
        self.isTruncated = isTruncated
        self.tokenCount = tokenCount
    }
}
