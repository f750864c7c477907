/// Whether a forward pass trains (dropout on) or evaluates.
public enum ForwardMode: Sendable, Equatable {
    /// Dropout off: deterministic outputs (PyTorch `model.eval()`).
    case evaluation
    /// Dropout on (PyTorch `model.train()`), masks drawn from a ``SplitMix64`` seeded with
    /// `dropoutSeed` (inter-layer masks first, layer by layer, then the head's).
    case training(dropoutSeed: UInt64)
}

/// The notebook's recurrent text classifier with its parameters, for training and as the
/// reference forward pass:
/// ```
/// x      = embedding.weight[ids]                          [B, T, E]
/// out    = RNN stack (GRU / LSTM / tanh RNN, L layers, 1 or 2 directions)   [B, T, D]
/// pooled = mean or max over valid steps (‖ last valid step)                [B, A]
/// hidden = tanh(dropout(linear(tanh(pooled))))                             [B, A]
/// logits = projection(hidden)                                             [B, C]
/// ```
/// PyTorch semantics throughout (`nn.Embedding`, `nn.GRU`/`nn.LSTM`/`nn.RNN` with
/// `batch_first=True`, `nn.Linear`, `nn.Dropout`), with `state_dict` names. In the `.masked`
/// padding mode every item runs with its own length (`pack_padded_sequence`): padding never enters
/// a state or a pooled value, and results do not depend on batching. In the `.notebook` mode the
/// recurrence runs over all `T` positions and the mean is over `T`, as the notebook did.
///
/// Inter-layer dropout (`rnn_dropout`) is applied to each layer's output but the last, as
/// `nn.GRU(dropout:)` does.
public struct ClassifierNetwork: Sendable {
    /// The weights; replace or update them (e.g. with ``Adam``) between passes.
    public var parameters: ModelParameters

    /// The architecture (from ``parameters``).
    public var architecture: ModelArchitecture { parameters.architecture }

    /// A network with the given parameters (already validated against their architecture).
    public init(parameters: ModelParameters) {
        self.parameters = parameters
    }

    /// Runs the network and keeps what the backward pass needs.
    ///
    /// - Parameters:
    ///   - batch: `[B, T]` token ids with lengths. Every id the mode reads (masked: `t < len`;
    ///     notebook: all `T`) must be in `0 ..< vocab_size`.
    ///   - mode: ``ForwardMode/evaluation`` or ``ForwardMode/training(dropoutSeed:)``.
    /// - Returns: logits `[B, C]`, probabilities, pooled and hidden `[B, A]`, recurrent outputs and
    ///   final states, and the activations for ``backward(_:labels:into:)``.
    /// - Throws: ``ClassifierInputError/idOutOfRange(item:position:id:vocabularySize:)``.
    public func forward(_ batch: TokenBatch, mode: ForwardMode = .evaluation) throws(ClassifierInputError) -> ForwardPass {
        let masked = architecture.padding == .masked
        let vocabularySize = architecture.vocabSize
        for item in 0..<batch.batchSize {
            for position in 0..<(masked ? batch.lengths[item] : batch.time) {
                let id = batch.id(item: item, position: position)
                if id < 0 || Int(id) >= vocabularySize {
                    throw .idOutOfRange(item: item, position: position, id: id, vocabularySize: vocabularySize)
                }
            }
        }
        let layout = PackedSequenceLayout(
            lengths: masked ? batch.lengths : Array(repeating: batch.time, count: batch.batchSize))
        var generator: SplitMix64? = nil
        if case .training(let seed) = mode { generator = SplitMix64(seed: seed) }
        let index = ParameterIndex(parameters)

        return parameters.withUnsafeTensorPointers { p in
            let e = architecture.embeddingSize
            let h = architecture.hiddenSize
            let d = architecture.outputSize
            let rowCount = layout.rowCount
            // Embedding lookup into packed rows.
            let embedded = FloatBuffer(uninitializedCount: rowCount * e)
            for t in 0..<layout.steps {
                for i in 0..<layout.batchSizes[t] {
                    let id = Int(batch.id(item: layout.order[i], position: t))
                    embedded.at(layout.row(item: i, step: t) * e).update(from: p[index.embedding] + id * e, count: e)
                }
            }
            var layerInputs = [embedded]
            var layerOutputs: [FloatBuffer] = []
            var masks: [FloatBuffer?] = []
            var caches: [[DirectionCache]] = []
            for layer in 0..<architecture.numLayers {
                let inputSize = layer == 0 ? e : d
                let output = FloatBuffer(uninitializedCount: rowCount * d)
                var layerCaches: [DirectionCache] = []
                for direction in 0..<(architecture.bidirectional ? 2 : 1) {
                    let recurrent = RecurrentDirection(
                        cell: architecture.cell, hiddenSize: h, inputSize: inputSize, reverse: direction == 1)
                    layerCaches.append(recurrent.forward(
                        input: layerInputs[layer].pointer, layout: layout,
                        weights: index.weights(layer: layer, direction: direction, in: p),
                        output: output.at(direction * h), outputStride: d))
                }
                layerOutputs.append(output)
                caches.append(layerCaches)
                if layer + 1 < architecture.numLayers {
                    if generator != nil, architecture.rnnDropout > 0 {
                        let mask = Self.dropoutMask(count: rowCount * d, probability: architecture.rnnDropout, generator: &generator!)
                        let next = FloatBuffer(uninitializedCount: rowCount * d)
                        for k in 0..<(rowCount * d) { next.pointer[k] = output.pointer[k] * mask[k] }
                        let maskBuffer = FloatBuffer(uninitializedCount: rowCount * d)
                        maskBuffer.pointer.update(from: mask, count: mask.count)
                        masks.append(maskBuffer)
                        layerInputs.append(next)
                    } else {
                        masks.append(nil)
                        layerInputs.append(output)
                    }
                }
            }
            let pooling = SequencePooling(
                pooling: architecture.pooling, concatLast: architecture.concatLast, hiddenSize: h,
                bidirectional: architecture.bidirectional)
            let (pooled, argmax) = pooling.forward(output: layerOutputs[layerOutputs.count - 1].pointer, layout: layout)
            let head = ClassifierHead(size: architecture.headSize, classCount: architecture.numClasses)
            var headMask: [Float] = []
            if generator != nil, architecture.dropout > 0 {
                headMask = Self.dropoutMask(
                    count: batch.batchSize * architecture.headSize, probability: architecture.dropout, generator: &generator!)
            }
            let activations = head.forward(
                pooled: pooled.pointer, batchSize: batch.batchSize, dropoutMask: headMask,
                linearWeight: p[index.linearWeight], linearBias: p[index.linearBias],
                projectionWeight: p[index.projectionWeight], projectionBias: p[index.projectionBias])
            return ForwardPass(
                batch: batch, architecture: architecture, layout: layout, layerInputs: layerInputs,
                layerOutputs: layerOutputs, interLayerMasks: masks, caches: caches, pooledBuffer: pooled,
                argmax: argmax, head: activations,
                probabilityValues: SoftmaxCrossEntropy.probabilities(
                    logits: activations.logits, classCount: architecture.numClasses))
        }
    }

    /// The mean cross-entropy of a forward pass's logits against `labels` and its gradient with
    /// respect to every parameter (dense tensors; embedding rows the batch does not use are 0).
    ///
    /// - Parameters:
    ///   - pass: a forward pass of this network with the current parameters.
    ///   - labels: `[B]` class indices.
    ///   - gradients: overwritten with ∂loss/∂parameter (replaced by a correctly shaped value when
    ///     its shapes differ, so an empty or stale value may be passed; reuse one to save memory).
    /// - Returns: the loss (mean over the batch, natural log).
    /// - Throws: ``ClassifierInputError`` `.labelCountMismatch` / `.labelOutOfRange`, or
    ///   `.architectureMismatch` for a pass of another network's architecture.
    @discardableResult
    public func backward(_ pass: ForwardPass, labels: [Int], into gradients: inout ModelParameters) throws(ClassifierInputError) -> Float {
        guard pass.architecture == architecture else { throw .architectureMismatch }
        let batchSize = pass.batch.batchSize
        let loss = try SoftmaxCrossEntropy.loss(logits: pass.head.logits, labels: labels, classCount: architecture.numClasses)
        if !gradients.hasSameShapes(as: parameters) {
            gradients = ModelParameters(
                architecture: architecture, names: parameters.names,
                tensors: parameters.tensors.map { Tensor(zeros: $0.shape) })
        }
        let logitsGradient = SoftmaxCrossEntropy.logitsGradient(
            probabilities: pass.probabilityValues, labels: labels, classCount: architecture.numClasses)
        let index = ParameterIndex(parameters)
        let layout = pass.layout

        parameters.withUnsafeTensorPointers { p in
            let head = ClassifierHead(size: architecture.headSize, classCount: architecture.numClasses)
            let headGradients = head.backward(
                pass.head, logitsGradient: logitsGradient, batchSize: batchSize,
                linearWeight: p[index.linearWeight], projectionWeight: p[index.projectionWeight])
            gradients.tensors[index.linearWeight].values = headGradients.linearWeight
            gradients.tensors[index.linearBias].values = headGradients.linearBias
            gradients.tensors[index.projectionWeight].values = headGradients.projectionWeight
            gradients.tensors[index.projectionBias].values = headGradients.projectionBias

            let h = architecture.hiddenSize
            let d = architecture.outputSize
            let rowCount = layout.rowCount
            let pooling = SequencePooling(
                pooling: architecture.pooling, concatLast: architecture.concatLast, hiddenSize: h,
                bidirectional: architecture.bidirectional)
            var outputGradient = headGradients.pooled.withUnsafeBufferPointer { pooled in
                pooling.backward(pooledGradient: pooled.baseAddress!, argmax: pass.argmax, layout: layout)
            }
            let ones = FloatBuffer(uninitializedCount: rowCount)
            ones.pointer.update(repeating: 1, count: rowCount)
            for layer in stride(from: architecture.numLayers - 1, through: 0, by: -1) {
                let inputSize = layer == 0 ? architecture.embeddingSize : d
                let inputGradient = FloatBuffer(uninitializedCount: rowCount * inputSize)
                let input = pass.layerInputs[layer].pointer
                for direction in 0..<(architecture.bidirectional ? 2 : 1) {
                    let recurrent = RecurrentDirection(
                        cell: architecture.cell, hiddenSize: h, inputSize: inputSize, reverse: direction == 1)
                    let weights = index.weights(layer: layer, direction: direction, in: p)
                    let cache = pass.caches[layer][direction]
                    let gates = recurrent.backward(
                        cache: cache, layout: layout, weights: weights,
                        outputGradient: outputGradient.at(direction * h), outputStride: d)
                    let names = index.directions[layer][direction]
                    gradients.withUnsafeMutableTensor(names.inputWeight) {
                        recurrent.inputWeightGradient(gates, input: input, rowCount: rowCount, destination: $0)
                    }
                    gradients.withUnsafeMutableTensor(names.hiddenWeight) {
                        recurrent.hiddenWeightGradient(gates, cache: cache, rowCount: rowCount, destination: $0)
                    }
                    gradients.withUnsafeMutableTensor(names.inputBias) {
                        recurrent.biasGradient(gates.input, ones: ones.pointer, rowCount: rowCount, destination: $0)
                    }
                    gradients.withUnsafeMutableTensor(names.hiddenBias) {
                        recurrent.biasGradient(gates.hidden, ones: ones.pointer, rowCount: rowCount, destination: $0)
                    }
                    recurrent.inputGradient(
                        gates, weights: weights, rowCount: rowCount, destination: inputGradient.pointer,
                        accumulate: direction == 1)
                }
                if layer > 0, let mask = pass.interLayerMasks[layer - 1] {
                    for k in 0..<(rowCount * d) { inputGradient.pointer[k] *= mask.pointer[k] }
                }
                outputGradient = inputGradient
            }
            // Scatter-add the packed input gradient into the embedding rows used.
            let e = architecture.embeddingSize
            gradients.withUnsafeMutableTensor(index.embedding) { table in
                table.update(repeating: 0, count: architecture.vocabSize * e)
                for t in 0..<layout.steps {
                    for i in 0..<layout.batchSizes[t] {
                        let id = Int(pass.batch.id(item: layout.order[i], position: t))
                        let target = table + id * e
                        let source = outputGradient.at(layout.row(item: i, step: t) * e)
                        for j in 0..<e { target[j] += source[j] }
                    }
                }
            }
        }
        return loss
    }

    /// Loss and gradients of one batch: ``forward(_:mode:)`` then ``backward(_:labels:into:)``.
    /// - Throws: ``ClassifierInputError`` for a bad batch or labels.
    @discardableResult
    public func lossAndGradients(
        _ batch: TokenBatch, labels: [Int], mode: ForwardMode, into gradients: inout ModelParameters
    ) throws(ClassifierInputError) -> Float {
        try SoftmaxCrossEntropy.validate(labels: labels, batchSize: batch.batchSize, classCount: architecture.numClasses)
        let pass = try forward(batch, mode: mode)
        return try backward(pass, labels: labels, into: &gradients)
    }

    /// Inverted-dropout mask: each entry 0 with probability p, else 1/(1−p) (PyTorch `nn.Dropout`).
    static func dropoutMask(count: Int, probability: Double, generator: inout SplitMix64) -> [Float] {
        let keep = 1 - probability
        let scale = Float(1 / keep)
        return (0..<count).map { _ in generator.nextUnitDouble() < keep ? scale : 0 }
    }
}
