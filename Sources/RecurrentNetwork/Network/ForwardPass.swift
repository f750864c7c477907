/// The result of ``ClassifierNetwork/forward(_:mode:)``: the outputs, and every activation the
/// backward pass needs (rows of the recurrent part in packed, length-sorted order).
///
/// Tied to the parameter values it was computed with: run ``ClassifierNetwork/backward(_:labels:into:)``
/// before changing them. Holds reference-typed buffers, so it is not `Sendable`.
public struct ForwardPass {
    /// The input.
    public let batch: TokenBatch
    /// The architecture.
    public let architecture: ModelArchitecture
    let layout: PackedSequenceLayout
    /// `[layer]` packed layer inputs `[N, in]` (layer 0: embedding rows; above: the layer below's
    /// output after inter-layer dropout).
    let layerInputs: [FloatBuffer]
    /// `[layer]` packed outputs `[N, D]`, forward direction in columns `0..<H`, reverse in `H..<2H`.
    let layerOutputs: [FloatBuffer]
    /// `[layer]` inter-layer dropout mask applied to `layerOutputs[k]` to make `layerInputs[k+1]`.
    let interLayerMasks: [FloatBuffer?]
    /// `[layer][direction]`.
    let caches: [[DirectionCache]]
    /// `[B, A]` batch order.
    let pooledBuffer: FloatBuffer
    /// Max pooling: `[B, D]` packed row of each maximum.
    let argmax: [Int32]
    let head: ClassifierHead.Activations
    /// `[B, C]` row-major softmax of the logits.
    public let probabilityValues: [Float]

    /// `[batch, classes]` the projection's output.
    public var logits: Tensor {
        Tensor(shape: [batch.batchSize, architecture.numClasses], values: head.logits)
    }

    /// `[batch, classes]` softmax of ``logits``.
    public var probabilities: Tensor {
        Tensor(shape: [batch.batchSize, architecture.numClasses], values: probabilityValues)
    }

    /// `[batch, A]` the pooled vector, before the head's first `tanh`.
    public var pooled: Tensor {
        Tensor(shape: [batch.batchSize, architecture.headSize], values: pooledBuffer.array())
    }

    /// `[batch, A]` `tanh(dropout(linear(tanh(pooled))))`, the projection's input.
    public var hidden: Tensor {
        Tensor(shape: [batch.batchSize, architecture.headSize], values: head.hidden)
    }

    /// `[batch, time, D]` the top layer's outputs (as `pad_packed_sequence` returns them: 0 at
    /// padded positions in masked mode; every position in notebook mode).
    public var recurrentOutput: Tensor {
        let d = architecture.outputSize
        let time = batch.time
        var values = [Float](repeating: 0, count: batch.batchSize * time * d)
        let output = layerOutputs[layerOutputs.count - 1]
        for i in 0..<layout.batchSize {
            let item = layout.order[i]
            for t in 0..<layout.lengths[i] {
                let source = output.at(layout.row(item: i, step: t) * d)
                for j in 0..<d { values[(item * time + t) * d + j] = source[j] }
            }
        }
        return Tensor(shape: [batch.batchSize, time, d], values: values)
    }

    /// `[layers · directions, batch, H]` each layer's and direction's final hidden state (index
    /// `layer · directions + direction`, PyTorch's `h_n`): forward at `t = len − 1`, reverse at
    /// `t = 0`.
    public var finalHiddenState: Tensor {
        finalState { layer, direction, row in
            layerOutputs[layer].at(row * architecture.outputSize + direction * architecture.hiddenSize)
        }
    }

    /// LSTM only: `[layers · directions, batch, H]` the final cell states (PyTorch's `c_n`).
    public var finalCellState: Tensor? {
        guard architecture.cell == .lstm else { return nil }
        return finalState { layer, direction, row in
            caches[layer][direction].cell!.at(row * architecture.hiddenSize)
        }
    }

    private func finalState(_ source: (Int, Int, Int) -> UnsafeMutablePointer<Float>) -> Tensor {
        let h = architecture.hiddenSize
        let directions = architecture.bidirectional ? 2 : 1
        let b = batch.batchSize
        var values = [Float](repeating: 0, count: architecture.numLayers * directions * b * h)
        for layer in 0..<architecture.numLayers {
            for direction in 0..<directions {
                for i in 0..<layout.batchSize {
                    let step = direction == 0 ? layout.lengths[i] - 1 : 0
                    let pointer = source(layer, direction, layout.row(item: i, step: step))
                    let start = ((layer * directions + direction) * b + layout.order[i]) * h
                    for j in 0..<h { values[start + j] = pointer[j] }
                }
            }
        }
        return Tensor(shape: [architecture.numLayers * directions, b, h], values: values)
    }
}
