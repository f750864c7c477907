import ComputeRuntime
import Foundation

/// The Adam optimizer's moments and step count: what a trainer saves to resume exactly.
public struct AdamState: Sendable, Equatable {
    /// Number of updates done (t); the next update is step `step + 1`.
    public var step: Int
    /// m, the exponential average of gradients, per parameter.
    public var firstMoment: ModelParameters
    /// v, the exponential average of squared gradients, per parameter.
    public var secondMoment: ModelParameters

    /// The state before the first update: t = 0, m = v = 0.
    /// - Throws: ``ModelParametersError`` `.invalidArchitecture` for an unusable architecture.
    public init(zerosFor architecture: ModelArchitecture) throws(ModelParametersError) {
        step = 0
        firstMoment = try ModelParameters(zerosFor: architecture)
        secondMoment = try ModelParameters(zerosFor: architecture)
    }

    /// A saved state.
    /// - Throws: ``ModelParametersError`` when the moments' shapes differ from each other.
    public init(step: Int, firstMoment: ModelParameters, secondMoment: ModelParameters) throws(ModelParametersError) {
        guard firstMoment.hasSameShapes(as: secondMoment) else {
            throw ModelParametersError(tensor: nil, kind: .invalidArchitecture("Adam moments have different shapes"))
        }
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}

/// Adam (Kingma and Ba, 2015) exactly as PyTorch's `torch.optim.Adam` (no weight decay, no
/// AMSGrad, single-tensor implementation), dense over every element:
/// ```
/// t += 1
/// m = lerp(m, g, 1 − β1)                 # m + (1 − β1)(g − m)
/// v = β2 v + (1 − β2) g²
/// p = p − (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + eps)
/// ```
/// The bias corrections are computed in double precision, as PyTorch does in Python. Note `eps`
/// is added outside the square root. Embedding rows the batch did not use still move when their
/// m is nonzero (PyTorch semantics; rows whose m and v are both 0 do not move).
public struct Adam: Sendable {
    /// Learning rate (PyTorch `lr`, default 1e-3).
    public var learningRate: Double
    /// β1 (default 0.9).
    public var beta1: Double
    /// β2 (default 0.999).
    public var beta2: Double
    /// eps (default 1e-8).
    public var epsilon: Double
    /// Moments and step count.
    public var state: AdamState

    /// An optimizer for parameters of `architecture`, with PyTorch's defaults.
    /// - Throws: ``ModelParametersError`` `.invalidArchitecture` for an unusable architecture.
    public init(
        architecture: ModelArchitecture, learningRate: Double = 1e-3, beta1: Double = 0.9,
        beta2: Double = 0.999, epsilon: Double = 1e-8
    ) throws(ModelParametersError) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.state = try AdamState(zerosFor: architecture)
    }

    /// One update of every parameter from its gradient.
    /// - Parameters:
    ///   - parameters: updated in place.
    ///   - gradients: ∂loss/∂parameters, same names and shapes.
    /// - Throws: ``ModelParametersError`` when `parameters`, `gradients` and the moments do not
    ///   have the same names and shapes.
    public mutating func update(_ parameters: inout ModelParameters, gradients: ModelParameters) throws(ModelParametersError) {
        guard parameters.hasSameShapes(as: gradients), parameters.hasSameShapes(as: state.firstMoment),
            parameters.hasSameShapes(as: state.secondMoment)
        else {
            let mismatch = zip(parameters.names, zip(parameters.tensors, gradients.tensors))
                .first { $1.0.shape != $1.1.shape }?.0
            throw ModelParametersError(
                tensor: mismatch,
                kind: .invalidArchitecture("parameters, gradients and Adam moments differ in names or shapes"))
        }
        state.step += 1
        let t = Double(state.step)
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2Root = (1 - pow(beta2, t)).squareRoot()
        let stepSize = Float(learningRate / biasCorrection1)
        let rootCorrection = Float(biasCorrection2Root)
        let eps = Float(epsilon)
        let firstWeight = Float(1 - beta1)
        let decay2 = Float(beta2)
        let secondWeight = Float(1 - beta2)
        let constants = Constants(
            stepSize: stepSize, rootCorrection: rootCorrection, epsilon: eps, firstWeight: firstWeight,
            decay2: decay2, secondWeight: secondWeight)
        for index in parameters.tensors.indices {
            gradients.tensors[index].values.withUnsafeBufferPointer { g in
                parameters.tensors[index].values.withUnsafeMutableBufferPointer { p in
                    state.firstMoment.tensors[index].values.withUnsafeMutableBufferPointer { m in
                        state.secondMoment.tensors[index].values.withUnsafeMutableBufferPointer { v in
                            let pointers = UncheckedSendable(value: (p.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!))
                            Parallel.forEachChunk(of: g.count) { range in
                                let (p, m, v, g) = pointers.value
                                Self.update(range, parameters: p, first: m, second: v, gradients: g, constants)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The update's scalars, in float32 as PyTorch applies them.
    struct Constants {
        let stepSize: Float
        let rootCorrection: Float
        let epsilon: Float
        let firstWeight: Float
        let decay2: Float
        let secondWeight: Float
    }

    /// The element-wise update over `range`, eight lanes at a time.
    @inline(__always)
    static func update(
        _ range: Range<Int>, parameters p: UnsafeMutablePointer<Float>, first m: UnsafeMutablePointer<Float>,
        second v: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, _ c: Constants
    ) {
        var k = range.lowerBound
        while k < range.upperBound {
            let n = min(Lanes.width, range.upperBound - k)
            let gradient = Lanes.load(g + k, n)
            var first = Lanes.load(m + k, n)
            first += c.firstWeight * (gradient - first)
            let second = Lanes.load(v + k, n) * c.decay2 + c.secondWeight * gradient * gradient
            let denominator = second.squareRoot() / c.rootCorrection + c.epsilon
            Lanes.store(first, m + k, n)
            Lanes.store(second, v + k, n)
            Lanes.store(Lanes.load(p + k, n) - c.stepSize * first / denominator, p + k, n)
            k += Lanes.width
        }
    }
}
