import ComputeRuntime

/// Raw pointers to one direction's weights, valid for the duration of a pass.
struct DirectionWeights {
    /// `weight_ih` `[G·H, in]`.
    let inputWeight: UnsafePointer<Float>
    /// `weight_hh` `[G·H, H]`.
    let hiddenWeight: UnsafePointer<Float>
    /// `bias_ih` `[G·H]`.
    let inputBias: UnsafePointer<Float>
    /// `bias_hh` `[G·H]`.
    let hiddenBias: UnsafePointer<Float>
}

/// What one direction's forward pass keeps for its backward pass; rows in packed order.
struct DirectionCache {
    /// `[N, G·H]` the gates after their nonlinearity (GRU r, z, n; LSTM i, f, g, o; RNN h').
    let gates: FloatBuffer
    /// `[N, H]` the state entering each row's step (0 where a sequence starts).
    let previousHidden: FloatBuffer
    /// GRU: `[N, H]` `W_hn h + b_hn`.
    let hiddenN: FloatBuffer?
    /// LSTM: `[N, H]` the cell state c' after each step.
    let cell: FloatBuffer?
    /// LSTM: `[N, H]` tanh(c').
    let cellTanh: FloatBuffer?
    /// LSTM: `[N, H]` the cell state entering each step.
    let previousCell: FloatBuffer?
}

/// The gate gradients a direction's backward pass produces; rows in packed order.
struct DirectionGateGradients {
    /// `[N, G·H]` ∂L/∂(W_i x + b_i).
    let input: FloatBuffer
    /// `[N, G·H]` ∂L/∂(W_h h + b_h) (the same buffer as `input` except for the GRU).
    let hidden: FloatBuffer
}

/// One direction of one recurrent layer over a packed batch (PyTorch `nn.GRU` / `nn.LSTM` /
/// `nn.RNN` semantics with `pack_padded_sequence`), forward and backpropagation through time.
///
/// Cost structure: one GEMM `[N, in]·[in, G·H]` for every step's input projection, then per time
/// step one GEMM `[b_t, H]·[H, G·H]` over the `b_t` sequences still running (a prefix of the
/// length-sorted batch) and an element-wise cell kernel. The backward pass mirrors it: per step one
/// GEMM `[b_t, G·H]·[G·H, H]` for ∂h, then after the loop one GEMM each for ∂W_ih, ∂W_hh, ∂x and one
/// GEMV each for the bias gradients. No row ever holds padding.
///
/// The forward direction runs t = 0 … len−1 for every item; the reverse one runs t = len−1 … 0,
/// starting from h = 0 at each item's own last position.
struct RecurrentDirection {
    let cell: ModelArchitecture.Cell
    let hiddenSize: Int
    let inputSize: Int
    let reverse: Bool

    var gateWidth: Int { cell.gateCount * hiddenSize }

    /// The rows of step `t` that continue a state from the step processed before (a prefix of
    /// the step's rows), and where that state's rows start.
    @inline(__always)
    func predecessor(of t: Int, in layout: PackedSequenceLayout) -> (rows: Int, base: Int) {
        if reverse {
            return t + 1 < layout.steps ? (layout.batchSizes[t + 1], layout.offsets[t + 1]) : (0, 0)
        }
        return t > 0 ? (layout.batchSizes[t], layout.offsets[t - 1]) : (0, 0)
    }

    /// Runs the direction over the packed input.
    /// - Parameters:
    ///   - input: `[N, in]` packed layer input.
    ///   - output: where this direction's h of packed row 0 goes; row `r` at `output + r·outputStride`
    ///     (a column block of the layer's `[N, D]` output).
    /// - Returns: what the backward pass needs.
    func forward(
        input: UnsafePointer<Float>, layout: PackedSequenceLayout, weights: DirectionWeights,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) -> DirectionCache {
        let h = hiddenSize
        let width = gateWidth
        let rowCount = layout.rowCount
        let gates = FloatBuffer(uninitializedCount: rowCount * width)
        BLAS.gemm(
            transposeB: true, m: rowCount, n: width, k: inputSize,
            a: input, b: weights.inputWeight, c: gates.pointer)
        let previousHidden = FloatBuffer(count: rowCount * h)
        let projection = FloatBuffer(uninitializedCount: layout.batchSize * width)
        let bias = FloatBuffer(count: width)
        for j in 0..<width { bias.pointer[j] = weights.inputBias[j] + weights.hiddenBias[j] }
        let hiddenN = cell == .gru ? FloatBuffer(uninitializedCount: rowCount * h) : nil
        let cellState = cell == .lstm ? FloatBuffer(uninitializedCount: rowCount * h) : nil
        let cellTanh = cell == .lstm ? FloatBuffer(uninitializedCount: rowCount * h) : nil
        let previousCell = cell == .lstm ? FloatBuffer(count: rowCount * h) : nil

        for s in 0..<layout.steps {
            let t = reverse ? layout.steps - 1 - s : s
            let rows = layout.batchSizes[t]
            let base = layout.offsets[t]
            let previous = predecessor(of: t, in: layout)
            // The state entering this step: the predecessor step's output for the continuing
            // rows; the rest start from 0 (the buffers are zero-filled).
            for i in 0..<previous.rows {
                previousHidden.at((base + i) * h).update(from: output + (previous.base + i) * outputStride, count: h)
            }
            if let cellState, let previousCell {
                previousCell.at(base * h).update(from: cellState.at(previous.base * h), count: previous.rows * h)
            }
            if previous.rows > 0 {
                BLAS.gemm(
                    transposeB: true, m: previous.rows, n: width, k: h,
                    a: previousHidden.at(base * h), b: weights.hiddenWeight, c: projection.pointer)
            }
            if rows > previous.rows {
                projection.at(previous.rows * width).update(repeating: 0, count: (rows - previous.rows) * width)
            }
            for i in 0..<rows {
                let row = base + i
                let g = gates.at(row * width)
                let p = UnsafePointer(projection.at(i * width))
                let out = output + row * outputStride
                switch cell {
                case .gru:
                    GRUCell.forward(
                        hiddenSize: h, gates: g, hiddenProjection: p, biasRZ: bias.pointer,
                        biasInputN: weights.inputBias + 2 * h, biasHiddenN: weights.hiddenBias + 2 * h,
                        previous: previousHidden.at(row * h), output: out, hiddenN: hiddenN!.at(row * h))
                case .lstm:
                    LSTMCell.forward(
                        hiddenSize: h, gates: g, hiddenProjection: p, bias: bias.pointer,
                        previousCell: previousCell!.at(row * h), cell: cellState!.at(row * h),
                        cellTanh: cellTanh!.at(row * h), output: out)
                case .rnn:
                    ElmanCell.forward(hiddenSize: h, gates: g, hiddenProjection: p, bias: bias.pointer, output: out)
                }
            }
        }
        return DirectionCache(
            gates: gates, previousHidden: previousHidden, hiddenN: hiddenN, cell: cellState,
            cellTanh: cellTanh, previousCell: previousCell)
    }

    /// Backpropagation through time: the gate gradients of every packed row.
    /// - Parameters:
    ///   - outputGradient: ∂L/∂h of packed row 0 of this direction; row `r` at
    ///     `outputGradient + r·outputStride` (a column block of the layer's `[N, D]` gradient).
    func backward(
        cache: DirectionCache, layout: PackedSequenceLayout, weights: DirectionWeights,
        outputGradient: UnsafePointer<Float>, outputStride: Int
    ) -> DirectionGateGradients {
        let h = hiddenSize
        let width = gateWidth
        let rowCount = layout.rowCount
        let inputGates = FloatBuffer(uninitializedCount: rowCount * width)
        let hiddenGates = cell == .gru ? FloatBuffer(uninitializedCount: rowCount * width) : inputGates
        // ∂L/∂h (and ∂L/∂c) carried from the step processed after, by sorted item.
        let hiddenGradient = FloatBuffer(count: layout.batchSize * h)
        let cellGradient = cell == .lstm ? FloatBuffer(count: layout.batchSize * h) : nil

        for s in 0..<layout.steps {
            let t = reverse ? s : layout.steps - 1 - s
            let rows = layout.batchSizes[t]
            let base = layout.offsets[t]
            for i in 0..<rows {
                let row = base + i
                let dOut = outputGradient + row * outputStride
                let dh = hiddenGradient.at(i * h)
                switch cell {
                case .gru:
                    GRUCell.backward(
                        hiddenSize: h, gates: cache.gates.at(row * width), hiddenN: cache.hiddenN!.at(row * h),
                        previous: cache.previousHidden.at(row * h), outputGradient: dOut, hiddenGradient: dh,
                        inputGateGradient: inputGates.at(row * width), hiddenGateGradient: hiddenGates.at(row * width))
                case .lstm:
                    LSTMCell.backward(
                        hiddenSize: h, gates: cache.gates.at(row * width), cellTanh: cache.cellTanh!.at(row * h),
                        previousCell: cache.previousCell!.at(row * h), outputGradient: dOut, hiddenGradient: dh,
                        cellGradient: cellGradient!.at(i * h), gateGradient: inputGates.at(row * width))
                case .rnn:
                    ElmanCell.backward(
                        hiddenSize: h, gates: cache.gates.at(row * width), outputGradient: dOut,
                        hiddenGradient: dh, gateGradient: inputGates.at(row * width))
                }
            }
            // ∂L/∂h of the predecessor step: the GRU's direct part d ⊙ z is already in place.
            let previousRows = predecessor(of: t, in: layout).rows
            if previousRows > 0 {
                BLAS.gemm(
                    m: previousRows, n: h, k: width, a: hiddenGates.at(base * width), b: weights.hiddenWeight,
                    beta: cell == .gru ? 1 : 0, c: hiddenGradient.pointer)
            }
        }
        return DirectionGateGradients(input: inputGates, hidden: hiddenGates)
    }

    /// `∂W_ih = ∂aᵢᵀ·x` `[G·H, in]`, written over `destination`.
    func inputWeightGradient(
        _ gradients: DirectionGateGradients, input: UnsafePointer<Float>, rowCount: Int,
        destination: UnsafeMutablePointer<Float>
    ) {
        BLAS.gemm(
            transposeA: true, m: gateWidth, n: inputSize, k: rowCount,
            a: gradients.input.pointer, b: input, c: destination)
    }

    /// `∂W_hh = ∂aₕᵀ·h_prev` `[G·H, H]`, written over `destination`.
    func hiddenWeightGradient(
        _ gradients: DirectionGateGradients, cache: DirectionCache, rowCount: Int,
        destination: UnsafeMutablePointer<Float>
    ) {
        BLAS.gemm(
            transposeA: true, m: gateWidth, n: hiddenSize, k: rowCount,
            a: gradients.hidden.pointer, b: cache.previousHidden.pointer, c: destination)
    }

    /// Column sums of a `[N, G·H]` gate gradient: a bias gradient `[G·H]`, written over `destination`.
    func biasGradient(
        _ gateGradient: FloatBuffer, ones: UnsafePointer<Float>, rowCount: Int, destination: UnsafeMutablePointer<Float>
    ) {
        BLAS.gemv(
            transpose: true, rows: rowCount, cols: gateWidth, a: gateGradient.pointer, x: ones, y: destination)
    }

    /// `∂x = ∂aᵢ·W_ih` `[N, in]`, written over (`accumulate` false) or added to `destination`.
    func inputGradient(
        _ gradients: DirectionGateGradients, weights: DirectionWeights, rowCount: Int,
        destination: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        BLAS.gemm(
            m: rowCount, n: inputSize, k: gateWidth, a: gradients.input.pointer, b: weights.inputWeight,
            beta: accumulate ? 1 : 0, c: destination)
    }
}
