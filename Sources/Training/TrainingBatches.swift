import RecurrentNetwork
import TextPipeline

/// The training portion cut into batches: each epoch a seeded shuffle of the items (stream
/// ``RandomStreams/Purpose/shuffle``, index = epoch), consecutive runs of `batchSize` items of that
/// order (the last one shorter), padded to their longest item.
///
/// The order of epoch e depends only on the seed and e, so a resumed run rebuilds it from its
/// position (PyTorch's `DataLoader(shuffle=True)` with a per-epoch generator, made reproducible).
public struct TrainingBatches: Sendable {
    /// The encoded items (`[<bos>] + ids + [<eos>]`) and their class ids.
    public let items: [EncodedText]
    public let labels: [Int]
    /// Items per batch.
    public let batchSize: Int
    let streams: RandomStreams
    let collator: PaddingCollator

    /// - Parameters:
    ///   - items: the encoded training items.
    ///   - labels: their class ids, same count.
    ///   - batchSize: items per batch (≥ 1).
    ///   - seed: the run's seed.
    ///   - paddingID: the `<pad>` id.
    public init(items: [EncodedText], labels: [Int], batchSize: Int, seed: UInt64, paddingID: Int32) {
        self.items = items
        self.labels = labels
        self.batchSize = max(1, batchSize)
        streams = RandomStreams(seed: seed)
        collator = PaddingCollator(paddingID: paddingID)
    }

    /// Batches per epoch: ⌈items / batchSize⌉.
    public var batchesPerEpoch: Int { (items.count + batchSize - 1) / batchSize }

    /// The item order of `epoch` (0-based): a permutation of `0 ..< items.count`.
    public func order(epoch: Int) -> [Int] {
        var order = Array(items.indices)
        var generator = streams.generator(for: .shuffle, index: UInt64(epoch))
        ValidationSplit.shuffle(&order, using: &generator)
        return order
    }

    /// Batch `index` (0-based) of an epoch's `order`: `[B, T]` ids with lengths, and `[B]` labels.
    /// - Throws: ``TrainingError`` `.numerics` for an empty batch (an index beyond the epoch).
    public func batch(_ index: Int, of order: [Int]) throws(TrainingError) -> (batch: TokenBatch, labels: [Int]) {
        let start = min(index * batchSize, order.count)
        let rows = order[start..<min(start + batchSize, order.count)]
        let padded = collator.collate(rows.map { items[$0] })
        do {
            return (try TokenBatch(ids: padded.ids, lengths: padded.lengths), rows.map { labels[$0] })
        } catch {
            throw TrainingError(.numerics("batch \(index): \(error.description)"))
        }
    }
}
