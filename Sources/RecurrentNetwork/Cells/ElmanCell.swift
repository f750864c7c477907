/// The element-wise part of PyTorch's `nn.RNN` (Elman network, `nonlinearity='tanh'`) step,
/// forward and backward, for one row; the matrix products are done by ``RecurrentDirection``.
///
/// `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`; backward `∂a = d (1 − h'²)`, `∂h = ∂a W_hh`.
/// The two biases only appear summed, so their gradients are equal.
enum ElmanCell {
    /// One forward row.
    /// - Parameters:
    ///   - gates: `[H]`; in: `W_ih x` (no bias); out: h'.
    ///   - hiddenProjection: `[H]`, `W_hh h` (zeros when the sequence starts here).
    ///   - bias: `[H]`, `b_ih + b_hh`.  - output: `[H]`, out: h'.
    @inline(__always)
    static func forward(
        hiddenSize: Int, gates: UnsafeMutablePointer<Float>, hiddenProjection: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        var j = 0
        while j < hiddenSize {
            let c = min(Lanes.width, hiddenSize - j)
            let value = Activation.tanh(
                Lanes.load(gates + j, c) + Lanes.load(hiddenProjection + j, c) + Lanes.load(bias + j, c))
            Lanes.store(value, gates + j, c)
            Lanes.store(value, output + j, c)
            j += Lanes.width
        }
    }

    /// One backward row.
    /// - Parameters:
    ///   - gates: `[H]`, h'.  - outputGradient: `[H]`, ∂L/∂h' from above.
    ///   - hiddenGradient: `[H]`, ∂L/∂h' carried from the next step (read only).
    ///   - gateGradient: `[H]`, out: ∂a.
    @inline(__always)
    static func backward(
        hiddenSize: Int, gates: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        hiddenGradient: UnsafePointer<Float>, gateGradient: UnsafeMutablePointer<Float>
    ) {
        var j = 0
        while j < hiddenSize {
            let c = min(Lanes.width, hiddenSize - j)
            let value = Lanes.load(gates + j, c)
            let d = Lanes.load(hiddenGradient + j, c) + Lanes.load(outputGradient + j, c)
            Lanes.store(d * (1 - value * value), gateGradient + j, c)
            j += Lanes.width
        }
    }
}
