import ComputeRuntime
import Foundation

/// The classifier head on the pooled vector, PyTorch layout (`weight` is `[out, in]`,
/// `y = x Wᵀ + b`):
/// ```
/// hidden = tanh(dropout(linear(tanh(pooled))))     [B, A]
/// logits = projection(hidden)                      [B, C]
/// ```
/// Dropout (training only) zeroes each element with probability p and scales the rest by
/// 1/(1−p) (PyTorch `nn.Dropout`).
struct ClassifierHead {
    /// A: width of the pooled vector and of `linear`.
    let size: Int
    /// C: number of classes.
    let classCount: Int

    /// The head's activations for one batch.
    struct Activations {
        /// `[B, A]` tanh(pooled).
        var squashedPooled: [Float]
        /// `[B, A]` the dropout mask (0 or 1/(1−p)); empty without dropout.
        var dropoutMask: [Float]
        /// `[B, A]` the projection's input.
        var hidden: [Float]
        /// `[B, C]`.
        var logits: [Float]
    }

    /// Runs the head.
    /// - Parameters:
    ///   - pooled: `[B, A]`.  - dropoutMask: `[B, A]` or empty for none.
    func forward(
        pooled: UnsafePointer<Float>, batchSize: Int, dropoutMask: [Float],
        linearWeight: UnsafePointer<Float>, linearBias: UnsafePointer<Float>,
        projectionWeight: UnsafePointer<Float>, projectionBias: UnsafePointer<Float>
    ) -> Activations {
        let a = size
        let c = classCount
        let squashed = (0..<(batchSize * a)).map { Foundation.tanh(pooled[$0]) }
        var linear = [Float](repeating: 0, count: batchSize * a)
        for b in 0..<batchSize { for j in 0..<a { linear[b * a + j] = linearBias[j] } }
        squashed.withUnsafeBufferPointer { x in
            linear.withUnsafeMutableBufferPointer { y in
                BLAS.gemm(
                    transposeB: true, m: batchSize, n: a, k: a, a: x.baseAddress!, b: linearWeight,
                    beta: 1, c: y.baseAddress!)
            }
        }
        if !dropoutMask.isEmpty {
            for k in linear.indices { linear[k] *= dropoutMask[k] }
        }
        let hidden = linear.map { Foundation.tanh($0) }
        var logits = [Float](repeating: 0, count: batchSize * c)
        for b in 0..<batchSize { for k in 0..<c { logits[b * c + k] = projectionBias[k] } }
        hidden.withUnsafeBufferPointer { x in
            logits.withUnsafeMutableBufferPointer { y in
                BLAS.gemm(
                    transposeB: true, m: batchSize, n: c, k: a, a: x.baseAddress!, b: projectionWeight,
                    beta: 1, c: y.baseAddress!)
            }
        }
        return Activations(squashedPooled: squashed, dropoutMask: dropoutMask, hidden: hidden, logits: logits)
    }

    /// The head's parameter gradients and ∂L/∂pooled.
    struct Gradients {
        var linearWeight: [Float]
        var linearBias: [Float]
        var projectionWeight: [Float]
        var projectionBias: [Float]
        /// `[B, A]`.
        var pooled: [Float]
    }

    /// Backpropagates ∂L/∂logits `[B, C]` through the head.
    func backward(
        _ activations: Activations, logitsGradient: [Float], batchSize: Int,
        linearWeight: UnsafePointer<Float>, projectionWeight: UnsafePointer<Float>
    ) -> Gradients {
        let a = size
        let c = classCount
        var projectionWeightGradient = [Float](repeating: 0, count: c * a)
        var projectionBiasGradient = [Float](repeating: 0, count: c)
        var hiddenGradient = [Float](repeating: 0, count: batchSize * a)
        logitsGradient.withUnsafeBufferPointer { dl in
            activations.hidden.withUnsafeBufferPointer { h in
                projectionWeightGradient.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(transposeA: true, m: c, n: a, k: batchSize, a: dl.baseAddress!, b: h.baseAddress!, c: dw.baseAddress!)
                }
            }
            hiddenGradient.withUnsafeMutableBufferPointer { dh in
                BLAS.gemm(m: batchSize, n: a, k: c, a: dl.baseAddress!, b: projectionWeight, c: dh.baseAddress!)
            }
        }
        for b in 0..<batchSize { for k in 0..<c { projectionBiasGradient[k] += logitsGradient[b * c + k] } }
        // Through tanh and dropout to the linear layer's output.
        var linearGradient = [Float](repeating: 0, count: batchSize * a)
        for k in linearGradient.indices {
            let h = activations.hidden[k]
            linearGradient[k] = hiddenGradient[k] * (1 - h * h)
            if !activations.dropoutMask.isEmpty { linearGradient[k] *= activations.dropoutMask[k] }
        }
        var linearWeightGradient = [Float](repeating: 0, count: a * a)
        var linearBiasGradient = [Float](repeating: 0, count: a)
        var squashedGradient = [Float](repeating: 0, count: batchSize * a)
        linearGradient.withUnsafeBufferPointer { dy in
            activations.squashedPooled.withUnsafeBufferPointer { x in
                linearWeightGradient.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(transposeA: true, m: a, n: a, k: batchSize, a: dy.baseAddress!, b: x.baseAddress!, c: dw.baseAddress!)
                }
            }
            squashedGradient.withUnsafeMutableBufferPointer { dx in
                BLAS.gemm(m: batchSize, n: a, k: a, a: dy.baseAddress!, b: linearWeight, c: dx.baseAddress!)
            }
        }
        for b in 0..<batchSize { for j in 0..<a { linearBiasGradient[j] += linearGradient[b * a + j] } }
        var pooledGradient = squashedGradient
        for k in pooledGradient.indices {
            let s = activations.squashedPooled[k]
            pooledGradient[k] *= 1 - s * s
        }
        return Gradients(
            linearWeight: linearWeightGradient, linearBias: linearBiasGradient,
            projectionWeight: projectionWeightGradient, projectionBias: projectionBiasGradient, pooled: pooledGradient)
    }
}
