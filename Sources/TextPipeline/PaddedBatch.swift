/// A batch of token-id sequences padded to a common length, as the engine consumes it.
public struct PaddedBatch: Sendable, Hashable {
    /// The ids, shape `[batchSize, time]`, row-major (`ids[b * time + t]`); row `b` holds item
    /// `b`'s ids followed by `<pad>` from `lengths[b]` on.
    public let ids: [Int32]
    /// Each item's length before padding, shape `[batchSize]`.
    public let lengths: [Int]
    /// The number of items.
    public let batchSize: Int
    /// The padded length: the longest item's length (0 for an empty batch).
    public let time: Int

    public init(ids: [Int32], lengths: [Int], batchSize: Int, time: Int) {
        self.ids = ids
        self.lengths = lengths
        self.batchSize = batchSize
        self.time = time
    }

    /// Row `index` of ``ids`` (padding included), shape `[time]`.
    public func row(_ index: Int) -> ArraySlice<Int32> {
        ids[index * time..<(index + 1) * time]
    }
}
