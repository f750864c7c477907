/// Reduces the top layer's packed outputs `[N, D]` to one vector per item `[B, A]` (batch order),
/// and routes the gradient back.
///
/// - mean: `Σ_{t<len} out[b, t] / len` (PyTorch `out.sum(1) / lengths`; the notebook mode's
///   layout has every `len = T`, which is `out.mean(1)`);
/// - max: `max_{t<len} out[b, t]` per feature; the gradient goes to the arg-max position (the
///   first one on ties, as `torch.max`);
/// - concat-last: `[pool ‖ last]` with `last` the forward direction's output at `t = len − 1` and,
///   when bidirectional, the reverse direction's output at `t = 0` (each direction's final state,
///   DESIGN.md), so `A = 2D`.
struct SequencePooling {
    let pooling: ModelArchitecture.Pooling
    let concatLast: Bool
    let hiddenSize: Int
    let bidirectional: Bool

    /// D: width of a packed output row.
    var outputSize: Int { bidirectional ? 2 * hiddenSize : hiddenSize }
    /// A: width of the pooled vector.
    var pooledSize: Int { concatLast ? 2 * outputSize : outputSize }

    /// The pooled vectors `[B, A]` in batch order and, for max pooling, the packed row of each
    /// maximum `[B, D]`.
    func forward(output: UnsafePointer<Float>, layout: PackedSequenceLayout) -> (pooled: FloatBuffer, argmax: [Int32]) {
        let d = outputSize
        let a = pooledSize
        let pooled = FloatBuffer(count: layout.batchSize * a)
        var argmax = pooling == .max ? [Int32](repeating: 0, count: layout.batchSize * d) : []
        for i in 0..<layout.batchSize {
            let length = layout.lengths[i]
            let target = pooled.at(layout.order[i] * a)
            switch pooling {
            case .mean:
                for t in 0..<length {
                    let row = output + layout.row(item: i, step: t) * d
                    for j in 0..<d { target[j] += row[j] }
                }
                let scale = 1 / Float(length)
                for j in 0..<d { target[j] *= scale }
            case .max:
                let first = layout.row(item: i, step: 0)
                for j in 0..<d {
                    target[j] = output[first * d + j]
                    argmax[layout.order[i] * d + j] = Int32(first)
                }
                for t in 1..<max(length, 1) {
                    let rowIndex = layout.row(item: i, step: t)
                    let row = output + rowIndex * d
                    for j in 0..<d where row[j] > target[j] {
                        target[j] = row[j]
                        argmax[layout.order[i] * d + j] = Int32(rowIndex)
                    }
                }
            }
            if concatLast {
                let last = output + layout.row(item: i, step: length - 1) * d
                (target + d).update(from: last, count: hiddenSize)
                if bidirectional {
                    let first = output + layout.row(item: i, step: 0) * d
                    (target + d + hiddenSize).update(from: first + hiddenSize, count: hiddenSize)
                }
            }
        }
        return (pooled, argmax)
    }

    /// ∂L/∂out `[N, D]` packed, from ∂L/∂pooled `[B, A]` in batch order.
    func backward(pooledGradient: UnsafePointer<Float>, argmax: [Int32], layout: PackedSequenceLayout) -> FloatBuffer {
        let d = outputSize
        let a = pooledSize
        let gradient = FloatBuffer(count: layout.rowCount * d)
        for i in 0..<layout.batchSize {
            let length = layout.lengths[i]
            let item = layout.order[i]
            let source = pooledGradient + item * a
            switch pooling {
            case .mean:
                let scale = 1 / Float(length)
                for t in 0..<length {
                    let row = gradient.at(layout.row(item: i, step: t) * d)
                    for j in 0..<d { row[j] += source[j] * scale }
                }
            case .max:
                for j in 0..<d {
                    gradient.pointer[Int(argmax[item * d + j]) * d + j] += source[j]
                }
            }
            if concatLast {
                let last = gradient.at(layout.row(item: i, step: length - 1) * d)
                for j in 0..<hiddenSize { last[j] += source[d + j] }
                if bidirectional {
                    let first = gradient.at(layout.row(item: i, step: 0) * d)
                    for j in 0..<hiddenSize { first[hiddenSize + j] += source[d + hiddenSize + j] }
                }
            }
        }
        return gradient
    }
}
