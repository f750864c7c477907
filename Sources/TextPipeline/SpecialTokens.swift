/// The ids of the four special tokens in a vocabulary (`config.json` key `special_tokens`).
///
/// Our vocabularies always use ``standard`` (`<unk>`=0, `<bos>`=1, `<eos>`=2, `<pad>`=3); a model
/// converted from elsewhere (e.g. the notebook, whose ids came from a Python set) may use others.
public struct SpecialTokens: Sendable, Hashable, Codable {
    /// The id of `<unk>`, which every out-of-vocabulary word maps to.
    public var unk: Int32
    /// The id of `<bos>`, put before an item's words.
    public var bos: Int32
    /// The id of `<eos>`, put after an item's words.
    public var eos: Int32
    /// The id of `<pad>`, which fills a batch's rows up to its longest item.
    public var pad: Int32

    public init(unk: Int32, bos: Int32, eos: Int32, pad: Int32) {
        self.unk = unk
        self.bos = bos
        self.eos = eos
        self.pad = pad
    }

    /// `<unk>`=0, `<bos>`=1, `<eos>`=2, `<pad>`=3 (as in `fixtures/gru` and DESIGN.md).
    public static let standard = SpecialTokens(unk: 0, bos: 1, eos: 2, pad: 3)

    /// The special tokens' spellings, with their ids in this assignment, in the order
    /// `<unk>`, `<bos>`, `<eos>`, `<pad>`.
    public var entries: [(token: String, id: Int32)] {
        [("<unk>", unk), ("<bos>", bos), ("<eos>", eos), ("<pad>", pad)]
    }
}
