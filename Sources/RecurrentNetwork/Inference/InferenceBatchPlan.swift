/// The packed layout of one (sub-)batch for the recurrence, as PyTorch's `PackedSequence`.
///
/// Items are sorted longest first, so at time step `t` the items still running are a prefix
/// `0 ..< active[t]` of the sorted order, and the batch shrinks as sequences end. Per-position
/// rows (token ids, input projections, layer outputs) are stored time-major and packed:
/// position `(t, i)` (sorted item `i`, `i < active[t]`) is row `offsets[t] + i`, so only real
/// tokens occupy memory and one GEMM covers every time step of a layer's input projection.
struct InferenceBatchPlan {
    /// Indices into the caller's batch, in sorted (longest first) order.
    let items: [Int]
    /// Each sorted item's number of steps (its length; `time` in notebook mode), non-increasing.
    let lengths: [Int]
    /// `active[t]`: how many sorted items have a step at time `t`, for `t < steps`.
    let active: [Int]
    /// `offsets[t]`: the packed row of sorted item 0 at time `t`; `offsets[steps]` = row count.
    let offsets: [Int]
    /// The token id of every packed row, `[tokenCount]`.
    let tokens: [Int32]

    /// Time steps of the longest item.
    var steps: Int { active.count }
    /// Packed rows: the sum of the items' lengths.
    var tokenCount: Int { offsets[steps] }
    /// Items in this plan.
    var batchSize: Int { items.count }

    /// Lays out `items` (caller indices, already sorted longest first).
    /// - Parameters:
    ///   - items: caller batch indices, sorted by `stepCounts` non-increasing.
    ///   - stepCounts: the number of steps of each caller item, `[batch]`.
    ///   - ids: the caller's ids, row-major `[batch, time]`.
    ///   - time: the caller's padded length (row stride of `ids`).
    init(items: [Int], stepCounts: [Int], ids: [Int32], time: Int) {
        self.items = items
        let lengths = items.map { stepCounts[$0] }
        self.lengths = lengths
        let steps = lengths.first ?? 0
        var active = [Int](repeating: 0, count: steps)
        var cursor = lengths.count
        for t in 0..<steps {
            while cursor > 0 && lengths[cursor - 1] <= t { cursor -= 1 }
            active[t] = cursor
        }
        var offsets = [Int](repeating: 0, count: steps + 1)
        for t in 0..<steps { offsets[t + 1] = offsets[t] + active[t] }
        var tokens = [Int32](repeating: 0, count: offsets[steps])
        for t in 0..<steps {
            for i in 0..<active[t] { tokens[offsets[t] + i] = ids[items[i] * time + t] }
        }
        self.active = active
        self.offsets = offsets
        self.tokens = tokens
    }
}
