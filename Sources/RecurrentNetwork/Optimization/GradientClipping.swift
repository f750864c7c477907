/// Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_(parameters, max_norm,
/// norm_type=2)`.
///
/// `total = sqrt(Σ_tensors Σ g²)`; `coef = max_norm / (total + 1e-6)`; when `coef < 1` every
/// gradient is multiplied by `coef` (so the new norm is just under `max_norm`), else nothing
/// changes. A non-finite total scales by a non-finite or zero coefficient, as PyTorch does with
/// `error_if_nonfinite=False`.
public enum GradientClipping {
    /// Clips `gradients` in place.
    /// - Parameters:
    ///   - gradients: all gradients of one update.
    ///   - maxNorm: the largest allowed L2 norm of all gradients together.
    /// - Returns: the total norm before clipping (what PyTorch returns; useful for logging).
    @discardableResult
    public static func clipByGlobalNorm(_ gradients: inout ModelParameters, maxNorm: Float) -> Float {
        var sum = 0.0
        for tensor in gradients.tensors {
            tensor.values.withUnsafeBufferPointer { values in
                var partial: Float = 0
                var blockSum = 0.0
                for (k, value) in values.enumerated() {
                    partial += value * value
                    if k & 1023 == 1023 {
                        blockSum += Double(partial)
                        partial = 0
                    }
                }
                sum += blockSum + Double(partial)
            }
        }
        let total = Float(sum.squareRoot())
        let coefficient = maxNorm / (total + 1e-6)
        if !(coefficient >= 1) {
            for index in gradients.tensors.indices {
                gradients.tensors[index].values.withUnsafeMutableBufferPointer { values in
                    for k in values.indices { values[k] *= coefficient }
                }
            }
        }
        return total
    }
}
