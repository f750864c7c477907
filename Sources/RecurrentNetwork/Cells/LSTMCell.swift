/// The element-wise part of PyTorch's `nn.LSTM` step, forward and backward, for one row; the
/// matrix products around it are done by ``RecurrentDirection``.
///
/// Equations (PyTorch `nn.LSTM` documentation; gate order i, f, g, o; no `proj_size`):
/// ```
/// i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)     a = W_i x + b_i + W_h h + b_h
/// c' = f ⊙ c + i ⊙ g
/// h' = o ⊙ tanh(c')
/// ```
/// Backward, with `d` = ∂L/∂h' and `e` = ∂L/∂c' carried from the next step:
/// `∂c' = e + d ⊙ o ⊙ (1 − tanh²c')`, `∂a_i = ∂c' g i(1−i)`, `∂a_f = ∂c' c f(1−f)`,
/// `∂a_g = ∂c' i (1−g²)`, `∂a_o = d tanh(c') o(1−o)`, `∂c = ∂c' ⊙ f`, `∂h = ∂a W_h`.
/// The two biases only appear summed, so their gradients are equal.
enum LSTMCell {
    typealias Vector = Lanes.Vector

    /// One forward row.
    /// - Parameters:
    ///   - gates: `[4H]`; in: `W_i x` (no bias); out: `i, f, g, o`.
    ///   - hiddenProjection: `[4H]`, `W_h h` (zeros when the sequence starts here).
    ///   - bias: `[4H]`, `b_ih + b_hh`.
    ///   - previousCell: `[H]`, c.  - cell: `[H]`, out: c'.  - cellTanh: `[H]`, out: tanh(c').
    ///   - output: `[H]`, out: h'.
    @inline(__always)
    static func forward(
        hiddenSize: Int, gates: UnsafeMutablePointer<Float>, hiddenProjection: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, previousCell: UnsafePointer<Float>, cell: UnsafeMutablePointer<Float>,
        cellTanh: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let h = hiddenSize
        var j = 0
        while j < h {
            let c = min(Lanes.width, h - j)
            @inline(__always) func preactivation(_ block: Int) -> Vector {
                Lanes.load(gates + block * h + j, c) + Lanes.load(hiddenProjection + block * h + j, c)
                    + Lanes.load(bias + block * h + j, c)
            }
            let i = Activation.sigmoid(preactivation(0))
            let f = Activation.sigmoid(preactivation(1))
            let g = Activation.tanh(preactivation(2))
            let o = Activation.sigmoid(preactivation(3))
            let cNew = f * Lanes.load(previousCell + j, c) + i * g
            let tc = Activation.tanh(cNew)
            Lanes.store(i, gates + j, c)
            Lanes.store(f, gates + h + j, c)
            Lanes.store(g, gates + 2 * h + j, c)
            Lanes.store(o, gates + 3 * h + j, c)
            Lanes.store(cNew, cell + j, c)
            Lanes.store(tc, cellTanh + j, c)
            Lanes.store(o * tc, output + j, c)
            j += Lanes.width
        }
    }

    /// One backward row.
    /// - Parameters:
    ///   - gates: `[4H]` i, f, g, o.  - cellTanh: `[H]` tanh(c').  - previousCell: `[H]` c.
    ///   - outputGradient: `[H]`, ∂L/∂h' from above.
    ///   - hiddenGradient: `[H]`, in: ∂L/∂h' carried from the next step (read only; the caller
    ///     overwrites it with `∂a W_h`).
    ///   - cellGradient: `[H]`; in: ∂L/∂c' carried; out: ∂L/∂c.
    ///   - gateGradient: `[4H]`, out: `∂a_i, ∂a_f, ∂a_g, ∂a_o`.
    @inline(__always)
    static func backward(
        hiddenSize: Int, gates: UnsafePointer<Float>, cellTanh: UnsafePointer<Float>, previousCell: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>, hiddenGradient: UnsafePointer<Float>,
        cellGradient: UnsafeMutablePointer<Float>, gateGradient: UnsafeMutablePointer<Float>
    ) {
        let h = hiddenSize
        var j = 0
        while j < h {
            let c = min(Lanes.width, h - j)
            let i = Lanes.load(gates + j, c)
            let f = Lanes.load(gates + h + j, c)
            let g = Lanes.load(gates + 2 * h + j, c)
            let o = Lanes.load(gates + 3 * h + j, c)
            let tc = Lanes.load(cellTanh + j, c)
            let d = Lanes.load(hiddenGradient + j, c) + Lanes.load(outputGradient + j, c)
            let dc = Lanes.load(cellGradient + j, c) + d * o * (1 - tc * tc)
            Lanes.store(dc * g * i * (1 - i), gateGradient + j, c)
            Lanes.store(dc * Lanes.load(previousCell + j, c) * f * (1 - f), gateGradient + h + j, c)
            Lanes.store(dc * i * (1 - g * g), gateGradient + 2 * h + j, c)
            Lanes.store(d * tc * o * (1 - o), gateGradient + 3 * h + j, c)
            Lanes.store(dc * f, cellGradient + j, c)
            j += Lanes.width
        }
    }
}
