import RecurrentNetwork

/// One optimizer step after another: forward with dropout, cross-entropy backward, optional
/// global-norm clipping, Adam — PyTorch's `model.train(); loss.backward();
/// clip_grad_norm_(…); optimizer.step()` on the ``ClassifierNetwork``.
public struct Trainer: Sendable {
    /// The network with its current weights.
    public private(set) var network: ClassifierNetwork
    /// Adam with its moments and step count.
    public private(set) var optimizer: Adam
    /// The largest global gradient norm (`nil`: no clipping).
    public let clipNorm: Float?
    /// Reused gradient buffers, shaped as the parameters.
    private var gradients: ModelParameters

    /// The result of one step.
    public struct StepResult: Sendable, Equatable {
        /// Mean cross-entropy of the batch (nats), before the update.
        public var loss: Float
        /// Items of the batch the network classified correctly (before the update, dropout on).
        public var correct: Int
    }

    /// A trainer starting from `parameters`, with `optimizer`'s state.
    /// - Throws: ``TrainingError`` `.numerics` when the optimizer's moments do not fit the parameters.
    public init(parameters: ModelParameters, optimizer: Adam, clipNorm: Double?) throws(TrainingError) {
        guard parameters.hasSameShapes(as: optimizer.state.firstMoment) else {
            throw TrainingError(.numerics("Adam moments do not have the parameters' shapes"))
        }
        network = ClassifierNetwork(parameters: parameters)
        self.optimizer = optimizer
        self.clipNorm = clipNorm.map { Float($0) }
        gradients = parameters
    }

    /// Sets Adam's learning rate for the steps that follow (a schedule's value; the moments are kept).
    public mutating func setLearningRate(_ learningRate: Double) {
        optimizer.learningRate = learningRate
    }

    /// One optimizer step on a batch.
    /// - Parameters:
    ///   - batch: `[B, T]` token ids with lengths.
    ///   - labels: `[B]` class ids.
    ///   - dropoutSeed: seeds this step's dropout masks.
    /// - Returns: the batch's loss and correct count.
    /// - Throws: ``TrainingError`` `.numerics` for a batch the network refuses.
    @discardableResult
    public mutating func step(_ batch: TokenBatch, labels: [Int], dropoutSeed: UInt64) throws(TrainingError) -> StepResult {
        let classCount = network.architecture.numClasses
        do {
            let pass = try network.forward(batch, mode: .training(dropoutSeed: dropoutSeed))
            let loss = try network.backward(pass, labels: labels, into: &gradients)
            if let clipNorm { GradientClipping.clipByGlobalNorm(&gradients, maxNorm: clipNorm) }
            try optimizer.update(&network.parameters, gradients: gradients)
            let correct = Self.correctCount(probabilities: pass.probabilityValues, labels: labels, classCount: classCount)
            return StepResult(loss: loss, correct: correct)
        } catch let error as ClassifierInputError {
            throw TrainingError(.numerics(error.description))
        } catch {
            throw TrainingError(.numerics("\(error)"))
        }
    }

    /// How many rows of `[B, C]` scores have their largest value (first on ties) at the label.
    static func correctCount(probabilities: [Float], labels: [Int], classCount: Int) -> Int {
        var correct = 0
        for (item, label) in labels.enumerated() {
            let row = item * classCount
            var best = 0
            for c in 1..<classCount where probabilities[row + c] > probabilities[row + best] { best = c }
            if best == label { correct += 1 }
        }
        return correct
    }
}
