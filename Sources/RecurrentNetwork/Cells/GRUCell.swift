/// The element-wise part of PyTorch's `nn.GRU` step, forward and backward, for one row (one
/// sequence at one time step); the matrix products around it are done by ``RecurrentDirection``.
///
/// Equations (PyTorch `nn.GRU` documentation; gate order r, z, n in the stacked weights):
/// ```
/// r  = σ(W_ir x + b_ir + W_hr h + b_hr)
/// z  = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// ```
/// Backward, with `d` = ∂L/∂h' and `a_*` the pre-activations:
/// `∂a_n = d(1−z)(1−n²)`, `∂a_r = ∂a_n ⊙ (W_hn h + b_hn) ⊙ r(1−r)`, `∂a_z = d(h−n) z(1−z)`,
/// `∂h = d ⊙ z + [∂a_r, ∂a_z, ∂a_n ⊙ r] W_h`.
enum GRUCell {
    typealias Vector = Lanes.Vector

    /// One forward row.
    /// - Parameters:
    ///   - gates: `[3H]`; in: `W_i x` (no bias); out: `r, z, n`.
    ///   - hiddenProjection: `[3H]`, `W_h h` (zeros when the sequence starts here).
    ///   - biasRZ: `[2H]`, `b_ir + b_hr` then `b_iz + b_hz`.
    ///   - biasInputN: `[H]`, `b_in`.  - biasHiddenN: `[H]`, `b_hn`.
    ///   - previous: `[H]`, h.  - output: `[H]`, h'.
    ///   - hiddenN: `[H]`, out: `W_hn h + b_hn` (kept for the backward pass).
    @inline(__always)
    static func forward(
        hiddenSize: Int, gates: UnsafeMutablePointer<Float>, hiddenProjection: UnsafePointer<Float>,
        biasRZ: UnsafePointer<Float>, biasInputN: UnsafePointer<Float>, biasHiddenN: UnsafePointer<Float>,
        previous: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, hiddenN: UnsafeMutablePointer<Float>
    ) {
        let h = hiddenSize
        var j = 0
        while j < h {
            let c = min(Lanes.width, h - j)
            let r = Activation.sigmoid(
                Lanes.load(gates + j, c) + Lanes.load(hiddenProjection + j, c) + Lanes.load(biasRZ + j, c))
            let z = Activation.sigmoid(
                Lanes.load(gates + h + j, c) + Lanes.load(hiddenProjection + h + j, c) + Lanes.load(biasRZ + h + j, c))
            let hn = Lanes.load(hiddenProjection + 2 * h + j, c) + Lanes.load(biasHiddenN + j, c)
            let n = Activation.tanh(Lanes.load(gates + 2 * h + j, c) + Lanes.load(biasInputN + j, c) + r * hn)
            let hp = Lanes.load(previous + j, c)
            Lanes.store(r, gates + j, c)
            Lanes.store(z, gates + h + j, c)
            Lanes.store(n, gates + 2 * h + j, c)
            Lanes.store(hn, hiddenN + j, c)
            Lanes.store(n + z * (hp - n), output + j, c)
            j += Lanes.width
        }
    }

    /// One backward row.
    /// - Parameters:
    ///   - gates: `[3H]` r, z, n from the forward row.  - hiddenN: `[H]`, `W_hn h + b_hn`.
    ///   - previous: `[H]`, h.
    ///   - outputGradient: `[H]`, ∂L/∂h' from above (pooling or the next layer).
    ///   - hiddenGradient: `[H]`; in: ∂L/∂h' carried from the next step; out: `d ⊙ z`, the direct
    ///     part of ∂L/∂h (the caller adds `∂a_h W_h`).
    ///   - inputGateGradient: `[3H]`, out: `∂a_r, ∂a_z, ∂a_n` (gradient of `W_i x + b_i`).
    ///   - hiddenGateGradient: `[3H]`, out: `∂a_r, ∂a_z, ∂a_n ⊙ r` (gradient of `W_h h + b_h`).
    @inline(__always)
    static func backward(
        hiddenSize: Int, gates: UnsafePointer<Float>, hiddenN: UnsafePointer<Float>, previous: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>, hiddenGradient: UnsafeMutablePointer<Float>,
        inputGateGradient: UnsafeMutablePointer<Float>, hiddenGateGradient: UnsafeMutablePointer<Float>
    ) {
        let h = hiddenSize
        var j = 0
        while j < h {
            let c = min(Lanes.width, h - j)
            let r = Lanes.load(gates + j, c)
            let z = Lanes.load(gates + h + j, c)
            let n = Lanes.load(gates + 2 * h + j, c)
            let hn = Lanes.load(hiddenN + j, c)
            let hp = Lanes.load(previous + j, c)
            let d = Lanes.load(hiddenGradient + j, c) + Lanes.load(outputGradient + j, c)
            let dan = d * (1 - z) * (1 - n * n)
            let dar = dan * hn * r * (1 - r)
            let daz = d * (hp - n) * z * (1 - z)
            Lanes.store(dar, inputGateGradient + j, c)
            Lanes.store(daz, inputGateGradient + h + j, c)
            Lanes.store(dan, inputGateGradient + 2 * h + j, c)
            Lanes.store(dar, hiddenGateGradient + j, c)
            Lanes.store(daz, hiddenGateGradient + h + j, c)
            Lanes.store(dan * r, hiddenGateGradient + 2 * h + j, c)
            Lanes.store(d * z, hiddenGradient + j, c)
            j += Lanes.width
        }
    }
}
