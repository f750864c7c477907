/// Pads a batch of encoded items to its longest item (the notebook's collate function).
///
/// Items keep their input order; each row is filled up with the `<pad>` id. Truncation happens
/// earlier, in ``TextEncoder`` (the cut at `max_length`), so the padded length is the longest
/// item's length. The lengths let the engine run each sequence over its own length only.
public struct PaddingCollator: Sendable {
    /// The id written into padding positions.
    public let paddingID: Int32

    /// A collator that pads with `paddingID` (``SpecialTokens/standard``'s `<pad>`, 3, by default).
    public init(paddingID: Int32 = SpecialTokens.standard.pad) {
        self.paddingID = paddingID
    }

    /// A collator that pads with `vocabulary`'s `<pad>` id.
    public init(vocabulary: Vocabulary) {
        self.paddingID = vocabulary.specialTokens.pad
    }

    /// Pads `sequences` into one batch.
    ///
    /// - Parameter sequences: the items' ids, in batch order.
    /// - Returns: ids `[sequences.count, longest]`, lengths `[sequences.count]`.
    public func collate(_ sequences: [[Int32]]) -> PaddedBatch {
        let time = sequences.map(\.count).max() ?? 0
        var ids = [Int32](repeating: paddingID, count: sequences.count * time)
        ids.withUnsafeMutableBufferPointer { ids in
            for (row, sequence) in sequences.enumerated() {
                let start = row * time
                for (offset, id) in sequence.enumerated() { ids[start + offset] = id }
            }
        }
        return PaddedBatch(ids: ids, lengths: sequences.map(\.count), batchSize: sequences.count, time: time)
    }

    /// Pads encoded items into one batch, as the `[[Int32]]` overload does with their ``EncodedText/ids``.
    public func collate(_ items: [EncodedText]) -> PaddedBatch {
        collate(items.map(\.ids))
    }
}
