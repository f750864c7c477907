/// The time-major "packed" arrangement of a batch's valid positions, as PyTorch's
/// `PackedSequence` (`pack_padded_sequence(..., enforce_sorted=False)`).
///
/// Items are sorted by length, longest first (stable, so equal lengths keep batch order). At time
/// step `t` the items still running are then a prefix `0 ..< batchSizes[t]` of the sorted order,
/// and their rows are stored contiguously from `offsets[t]`: row `offsets[t] + i` is sorted item
/// `i` at time `t`. A recurrent step thus works on a dense prefix that shrinks as sequences end,
/// and no row ever holds padding. In the notebook's padding semantics every item counts as
/// `time` long (the recurrence runs over `<pad>`).
struct PackedSequenceLayout {
    /// `order[i]` is the batch index of sorted item `i`.
    let order: [Int]
    /// Length of sorted item `i` (non-increasing).
    let lengths: [Int]
    /// Items running at step `t` (`lengths[i] > t`), for `t < steps`.
    let batchSizes: [Int]
    /// First row of step `t`; `offsets[steps]` is the number of rows.
    let offsets: [Int]

    /// Number of time steps (the longest length).
    var steps: Int { batchSizes.count }
    /// Number of items.
    var batchSize: Int { order.count }
    /// Total rows: the sum of lengths.
    var rowCount: Int { offsets[steps] }

    /// Lays out `lengths` (one per item, each ≥ 1).
    init(lengths itemLengths: [Int]) {
        let order = itemLengths.indices.sorted { a, b in
            itemLengths[a] != itemLengths[b] ? itemLengths[a] > itemLengths[b] : a < b
        }
        let lengths = order.map { itemLengths[$0] }
        let steps = lengths.first ?? 0
        var batchSizes = [Int](repeating: 0, count: steps)
        var running = lengths.count
        for t in 0..<steps {
            while running > 0 && lengths[running - 1] <= t { running -= 1 }
            batchSizes[t] = running
        }
        var offsets = [Int](repeating: 0, count: steps + 1)
        for t in 0..<steps { offsets[t + 1] = offsets[t] + batchSizes[t] }
        self.order = order
        self.lengths = lengths
        self.batchSizes = batchSizes
        self.offsets = offsets
    }

    /// Row of sorted item `i` at step `t` (requires `t < lengths[i]`).
    @inline(__always)
    func row(item i: Int, step t: Int) -> Int { offsets[t] + i }
}
