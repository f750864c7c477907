import ComputeRuntime

/// One direction of one recurrent layer, its weights arranged for inference.
///
/// Cells and gate orders are PyTorch's (`nn.GRU` r, z, n; `nn.LSTM` i, f, g, o; `nn.RNN` tanh),
/// with `weight_ih` `[G·H, in]`, `weight_hh` `[G·H, H]`, `y = x Wᵀ + b`:
///
///     GRU   r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
///           n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      h' = (1 − z) ⊙ n + z ⊙ h
///     LSTM  i, f, o = σ(W_i· x + b_i· + W_h· h + b_h·)   g = tanh(W_ig x + b_ig + W_hg h + b_hg)
///           c' = f ⊙ c + i ⊙ g      h' = o ⊙ tanh(c')
///     RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
///
/// The biases that only ever appear summed are folded into one input bias; the GRU's b_hn stays
/// apart because it sits inside r ⊙ (…). For the first layer the whole input projection
/// (embedding row · W_ihᵀ + folded bias) is precomputed per vocabulary entry.
struct InferenceRecurrentLayer: Sendable {
    let cell: ModelArchitecture.Cell
    /// H.
    let hiddenSize: Int
    /// Width of this layer's input rows (E for the first layer, D above).
    let inputSize: Int
    /// Whether this direction runs from each item's last valid position down to 0.
    let isReverse: Bool
    /// First layer: the lookup table `[V, G·H]` = embedding · W_ihᵀ + folded bias.
    /// Upper layers: `weight_ih` transposed, W_ihᵀ `[inputSize, G·H]`.
    let inputWeights: InferenceBuffer
    /// Whether `inputWeights` is the first layer's lookup table.
    let isLookupTable: Bool
    /// Upper layers: b_ih plus the foldable parts of b_hh, `[G·H]`; empty for the lookup table.
    let inputBias: InferenceBuffer
    /// `weight_hh` transposed, W_hhᵀ `[H, G·H]`.
    ///
    /// The transposed layouts make every product a plain `[rows, K]·[K, G·H]` GEMM, which
    /// OpenBLAS 0.3.21 runs markedly faster for the few-row products of the recurrence than
    /// `[rows, K]·[G·H, K]ᵀ` (measured for its SkylakeX kernels, 1 thread: 4 rows 22 µs instead
    /// of 97 µs, 32 rows 122 µs instead of 153 µs; 5–20 % for its Haswell and Prescott ones).
    let hiddenWeights: InferenceBuffer
    /// GRU only: b_hn `[H]`, added inside r ⊙ (…); empty for the other cells.
    let newGateHiddenBias: InferenceBuffer

    /// G·H: the width of one gate-preactivation row.
    var gateWidth: Int { cell.gateCount * hiddenSize }

    /// Prepares one direction from PyTorch tensors.
    /// - Parameters:
    ///   - embedding: `embedding.weight` `[V, E]` for the first layer (becomes the lookup table),
    ///     `nil` for upper layers.
    ///   - weightIH: `weight_ih` `[G·H, in]`; `weightHH` `[G·H, H]`; `biasIH`, `biasHH` `[G·H]`.
    init(
        cell: ModelArchitecture.Cell, hiddenSize: Int, inputSize: Int, isReverse: Bool,
        embedding: Tensor?, weightIH: [Float], weightHH: [Float], biasIH: [Float], biasHH: [Float]
    ) {
        self.cell = cell
        self.hiddenSize = hiddenSize
        self.inputSize = inputSize
        self.isReverse = isReverse
        let gateWidth = cell.gateCount * hiddenSize
        // b_ih + b_hh where the two are only ever summed (all but the GRU's n block).
        let foldedCount = cell == .gru ? 2 * hiddenSize : gateWidth
        var bias = biasIH
        for j in 0..<foldedCount { bias[j] += biasHH[j] }
        newGateHiddenBias = InferenceBuffer(cell == .gru ? Array(biasHH[(2 * hiddenSize)...]) : [])
        hiddenWeights = InferenceBuffer(Self.transposed(weightHH, rows: gateWidth, columns: hiddenSize))
        if let embedding {
            let vocabularySize = embedding.shape[0]
            let table = InferenceBuffer(count: vocabularySize * gateWidth)
            for v in 0..<vocabularySize {
                (table.pointer + v * gateWidth).initialize(from: bias, count: gateWidth)
            }
            embedding.values.withUnsafeBufferPointer { e in
                weightIH.withUnsafeBufferPointer { w in
                    BLAS.gemm(
                        transposeB: true, m: vocabularySize, n: gateWidth, k: inputSize,
                        a: e.baseAddress!, b: w.baseAddress!, beta: 1, c: table.pointer)
                }
            }
            inputWeights = table
            isLookupTable = true
            inputBias = InferenceBuffer(zeros: 0)
        } else {
            inputWeights = InferenceBuffer(Self.transposed(weightIH, rows: gateWidth, columns: inputSize))
            isLookupTable = false
            inputBias = InferenceBuffer(bias)
        }
    }

    /// Runs this direction over every item of `plan`.
    ///
    /// - Parameters:
    ///   - plan: the packed batch layout.
    ///   - input: upper layers: the previous layer's packed output `[tokenCount, inputSize]`;
    ///     ignored for the first layer (which reads `plan.tokens` through the lookup table).
    ///   - output: packed outputs `[tokenCount, outputStride]`; this direction writes its
    ///     hidden state at every valid position into columns `columnOffset ..< columnOffset + H`.
    ///   - scratch: per-call buffers sized for `plan`.
    func run(
        plan: InferenceBatchPlan, input: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, outputStride: Int, columnOffset: Int,
        scratch: InferenceScratch
    ) {
        let h = hiddenSize
        let gw = gateWidth
        let zeros = UnsafePointer(scratch.zeros.pointer)
        let hiddenProjection = scratch.hiddenProjection.pointer
        let whh = UnsafePointer(hiddenWeights.pointer)
        let bhn = UnsafePointer(newGateHiddenBias.pointer)
        let steps = plan.steps

        // Input projections (biases included): a table lookup for the first layer; above it,
        // GEMMs over chunks of consecutive time steps (contiguous packed rows) onto rows preset
        // to the bias, each chunk computed when the recurrence reaches it, so it is still in cache.
        let projected = scratch.inputProjection.pointer
        let chunkCapacity = scratch.inputProjectionRows
        var chunk = 0..<0  // the packed rows now in `projected`
        func project(step t: Int) {
            let rows: Range<Int>
            if isReverse {
                var first = t
                while first > 0 && plan.offsets[t + 1] - plan.offsets[first - 1] <= chunkCapacity { first -= 1 }
                rows = plan.offsets[first]..<plan.offsets[t + 1]
            } else {
                var end = t + 1
                while end < steps && plan.offsets[end + 1] - plan.offsets[t] <= chunkCapacity { end += 1 }
                rows = plan.offsets[t]..<plan.offsets[end]
            }
            for r in 0..<rows.count { (projected + r * gw).update(from: inputBias.pointer, count: gw) }
            BLAS.gemm(
                m: rows.count, n: gw, k: inputSize,
                a: input! + rows.lowerBound * inputSize, b: inputWeights.pointer, beta: 1, c: projected)
            chunk = rows
        }

        for s in 0..<steps {
            let t = isReverse ? steps - 1 - s : s
            let count = plan.active[t]
            let rowBase = plan.offsets[t]
            // Items 0 ..< previousCount carry a state from the step before; the others start
            // from h = 0 (and c = 0): a reverse pass picks items up at their own last position.
            var previousCount = 0
            var previous = zeros
            if s > 0 {
                let previousT = isReverse ? t + 1 : t - 1
                previousCount = min(count, plan.active[previousT])
                previous = UnsafePointer(output + plan.offsets[previousT] * outputStride + columnOffset)
                if previousCount == 1 {
                    BLAS.gemv(transpose: true, rows: h, cols: gw, a: whh, x: previous, y: hiddenProjection)
                } else {
                    BLAS.gemm(
                        m: previousCount, n: gw, k: h,
                        a: previous, lda: outputStride, b: whh, c: hiddenProjection)
                }
            }
            if previousCount < count {
                (hiddenProjection + previousCount * gw).update(repeating: 0, count: (count - previousCount) * gw)
            }
            if !isLookupTable && (rowBase < chunk.lowerBound || rowBase + count > chunk.upperBound) {
                project(step: t)
            }
            let cellIn = scratch.cellState[s & 1].pointer
            let cellOut = scratch.cellState[(s + 1) & 1].pointer
            for i in 0..<count {
                let p = rowBase + i
                let x = UnsafePointer(
                    isLookupTable ? inputWeights.pointer + Int(plan.tokens[p]) * gw : projected + (p - chunk.lowerBound) * gw)
                let carries = i < previousCount
                let hg = hiddenProjection + i * gw
                let hPrev = carries ? previous + i * outputStride : zeros
                let out = output + p * outputStride + columnOffset
                switch cell {
                case .gru:
                    Self.gruRow(hiddenSize: h, x: x, hg: hg, newGateBias: bhn, hPrev: hPrev, out: out)
                case .lstm:
                    let cPrev = carries ? UnsafePointer(cellIn + i * h) : zeros
                    Self.lstmRow(hiddenSize: h, x: x, hg: hg, cPrev: cPrev, cOut: cellOut + i * h, out: out)
                case .rnn:
                    Self.rnnRow(hiddenSize: h, x: x, hg: hg, out: out)
                }
            }
        }
    }

    /// `matrix` `[rows, columns]` (row-major) transposed to `[columns, rows]`.
    static func transposed(_ matrix: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: matrix.count)
        for r in 0..<rows {
            for c in 0..<columns { result[c * rows + r] = matrix[r * columns + c] }
        }
        return result
    }

    // The row kernels work in passes with few distinct pointers each, so that LLVM's loop
    // vectorizer can prove (with a handful of runtime overlap checks) that the loops vectorize.

    /// One GRU state update. `x` is `[3H]` (r, z, n blocks) = W_ih x + b_ih (+ b_hr, b_hz);
    /// `hg` is `[3H]` = W_hh h without bias, overwritten (r and z are kept there);
    /// `newGateBias` = b_hn `[H]`.
    @inline(never)
    static func gruRow(
        hiddenSize h: Int, x: UnsafePointer<Float>, hg: UnsafeMutablePointer<Float>,
        newGateBias: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        // r, z = σ(W_i· x + b_i· + W_h· h + b_h·), in place.
        for j in 0..<(2 * h) { hg[j] = InferenceMath.sigmoid(x[j] + hg[j]) }
        let z = hg + h, hn = hg + 2 * h, xn = x + 2 * h
        for j in 0..<h {
            let n = InferenceMath.tanh(xn[j] + hg[j] * (hn[j] + newGateBias[j]))
            out[j] = n + z[j] * (hPrev[j] - n)  // (1 − z) n + z h
        }
    }

    /// One LSTM update. `x` is `[4H]` (i, f, g, o blocks) = W_ih x + b_ih + b_hh; `hg` is
    /// `[4H]` = W_hh h, overwritten with the gate activations.
    @inline(never)
    static func lstmRow(
        hiddenSize h: Int, x: UnsafePointer<Float>, hg: UnsafeMutablePointer<Float>,
        cPrev: UnsafePointer<Float>, cOut: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<(2 * h) { hg[j] = InferenceMath.sigmoid(x[j] + hg[j]) }
        for j in (2 * h)..<(3 * h) { hg[j] = InferenceMath.tanh(x[j] + hg[j]) }
        for j in (3 * h)..<(4 * h) { hg[j] = InferenceMath.sigmoid(x[j] + hg[j]) }
        let f = hg + h, g = hg + 2 * h, o = hg + 3 * h
        for j in 0..<h {
            let c = f[j] * cPrev[j] + hg[j] * g[j]
            cOut[j] = c
            out[j] = o[j] * InferenceMath.tanh(c)
        }
    }

    /// One tanh-RNN update. `x` is `[H]` = W_ih x + b_ih + b_hh; `hg` is `[H]` = W_hh h.
    @inline(never)
    static func rnnRow(
        hiddenSize h: Int, x: UnsafePointer<Float>, hg: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<h { out[j] = InferenceMath.tanh(x[j] + hg[j]) }
    }
}
