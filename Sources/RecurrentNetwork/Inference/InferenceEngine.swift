import ComputeRuntime

/// The classifier's forward pass for inference (dropout off), built for speed on the CPU.
///
/// Architecture (DESIGN.md; PyTorch semantics): `Embedding(V, E)` → a stacked GRU / LSTM /
/// tanh-RNN (`numLayers`, optionally bidirectional) → mean or max over time (optionally
/// concatenated with the last step) → `tanh` → `linear` `[A, A]` → `tanh` → `projection` `[C, A]`.
///
/// Padding (``ModelArchitecture/Padding``):
/// - `masked`: every item runs over its own valid positions only, exactly as PyTorch's
///   `pack_padded_sequence(..., enforce_sorted: false)`; a reverse direction runs from the item's
///   `length − 1` down to 0; mean and max pool over valid positions; concat-last takes the forward
///   state at `length − 1` and the reverse state at 0. Results do not depend on the batch.
/// - `notebook`: every item runs over all `time` positions, `<pad>` included, and the mean is
///   over all `time` positions: the notebook's padded-batch evaluation, reproduced.
///
/// How it is fast: the first layer's input projection is a lookup table `[V, G·H]` built at init
/// (embedding · W_ihᵀ + the foldable biases); the batch is sorted by length so the running items
/// are a prefix that shrinks as sequences end (PyTorch's packed layout, see `InferenceBatchPlan`),
/// and only real tokens are computed in masked mode; upper layers project their inputs for many
/// time steps per GEMM; each time step is one GEMM over the running items (`sgemv` when one item
/// runs); the gate nonlinearities are vectorizable loops (`InferenceMath`); memory is allocated
/// once per call, never per step. `scripts/bench-inference` measures it.
///
/// Threads: with ``Options/threadCount`` > 1 a batch of at least 2 ·
/// ``Options/minimumItemsPerThread`` items is split into interleaved parts (equal work) run at
/// once, each calling single-threaded BLAS; set OpenBLAS to one thread then
/// (`BLAS.setThreadCount(1)`), or both thread pools fight for the cores. Measured on 2 cores,
/// this is the fastest for batches of 32 and more; for single items OpenBLAS's own 2 threads
/// (engine `threadCount` 1) are faster. The OpenBLAS kernel family matters more than either
/// (see ``OpenBLASKernelSelection``). A call blocks its thread until the batch is done; calling from a
/// Swift concurrency task blocks that task's thread.
///
/// The engine is immutable after `init` and `Sendable`: any number of threads may call it at
/// once, each call using its own scratch memory.
public struct InferenceEngine: Sendable {
    /// How one call uses threads.
    public struct Options: Sendable, Equatable {
        /// The most threads one call splits its batch across. With more than 1, set OpenBLAS to
        /// one thread (``BLAS/setThreadCount(_:)``) so that the engine's threads and OpenBLAS's
        /// do not compete for the cores.
        public var threadCount: Int
        /// A batch is split only into parts of at least this many items.
        public var minimumItemsPerThread: Int
        /// Upper layers project their inputs (`[rows, D]·W_ihᵀ`) in GEMMs over chunks of about
        /// this many (item, step) rows, computed as the recurrence reaches them; at least one
        /// time step's rows. Bounds the scratch memory and keeps the chunk in cache.
        public var inputProjectionChunkRows: Int

        /// - Parameters:
        ///   - threadCount: threads per call (≥ 1; smaller values count as 1).
        ///   - minimumItemsPerThread: the smallest part worth its own thread.
        ///   - inputProjectionChunkRows: rows per upper-layer input-projection GEMM (≥ 1).
        public init(threadCount: Int = 1, minimumItemsPerThread: Int = 16, inputProjectionChunkRows: Int = 512) {
            self.threadCount = max(1, threadCount)
            self.minimumItemsPerThread = max(1, minimumItemsPerThread)
            self.inputProjectionChunkRows = max(1, inputProjectionChunkRows)
        }
    }

    /// The architecture this engine runs.
    public let architecture: ModelArchitecture
    /// Threading of each call.
    public let options: Options
    /// `layers[k]` holds layer k's directions (forward, then reverse when bidirectional).
    let layers: [[InferenceRecurrentLayer]]
    /// `linear.weight` `[A, A]`, `linear.bias` `[A]`.
    let linearWeight: InferenceBuffer
    let linearBias: [Float]
    /// `projection.weight` `[C, A]`, `projection.bias` `[C]`.
    let projectionWeight: InferenceBuffer
    let projectionBias: [Float]

    /// Builds an engine from an architecture and its parameters.
    ///
    /// - Parameters:
    ///   - architecture: the network's shape.
    ///   - parameters: float32 tensors keyed by PyTorch `state_dict` names, exactly those of
    ///     ``ModelArchitecture/parameterShapes`` with those shapes.
    ///   - options: threading of each call.
    /// - Throws: ``InferenceEngineError`` `.invalidConfiguration` for sizes below 1,
    ///   `.missingParameter`, `.unexpectedParameter` or `.parameterShapeMismatch` naming the tensor.
    public init(
        architecture: ModelArchitecture, parameters: [String: Tensor], options: Options = Options()
    ) throws(InferenceEngineError) {
        let a = architecture
        for (field, value) in [
            ("vocab_size", a.vocabSize), ("embedding_size", a.embeddingSize),
            ("hidden_size", a.hiddenSize), ("num_layers", a.numLayers), ("num_classes", a.numClasses),
        ] where value < 1 {
            throw .invalidConfiguration("\(field) is \(value), must be at least 1")
        }
        let shapes = architecture.parameterShapes
        for (name, shape) in shapes {
            guard let tensor = parameters[name] else { throw .missingParameter(name: name) }
            guard tensor.shape == shape else {
                throw .parameterShapeMismatch(name: name, expected: shape, actual: tensor.shape)
            }
        }
        let known = Set(shapes.map(\.name))
        if let extra = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw .unexpectedParameter(name: extra)
        }
        func values(_ name: String) -> [Float] { parameters[name]!.values }

        var layers: [[InferenceRecurrentLayer]] = []
        for k in 0..<a.numLayers {
            var directions: [InferenceRecurrentLayer] = []
            for suffix in a.bidirectional ? ["", "_reverse"] : [""] {
                let key = "l\(k)\(suffix)"
                directions.append(InferenceRecurrentLayer(
                    cell: a.cell, hiddenSize: a.hiddenSize,
                    inputSize: k == 0 ? a.embeddingSize : a.outputSize, isReverse: !suffix.isEmpty,
                    embedding: k == 0 ? parameters["embedding.weight"]! : nil,
                    weightIH: values("rnn.weight_ih_\(key)"), weightHH: values("rnn.weight_hh_\(key)"),
                    biasIH: values("rnn.bias_ih_\(key)"), biasHH: values("rnn.bias_hh_\(key)")))
            }
            layers.append(directions)
        }
        self.architecture = architecture
        self.options = options
        self.layers = layers
        linearWeight = InferenceBuffer(values("linear.weight"))
        linearBias = values("linear.bias")
        projectionWeight = InferenceBuffer(values("projection.weight"))
        projectionBias = values("projection.bias")
    }

    // MARK: - Public API

    /// The classifier's logits (before softmax).
    ///
    /// - Parameters:
    ///   - ids: token ids, row-major `[batch, time]` (item `b`'s position `t` at `b · time + t`);
    ///     positions at or after an item's length are padding (read only in `notebook` mode).
    ///   - lengths: `[batch]`, each item's number of valid positions, in `1...time`.
    ///   - time: the padded length (row stride of `ids`).
    /// - Returns: `[batch, numClasses]` logits, in the order of the input.
    /// - Throws: ``InferenceEngineError`` `.invalidTime`, `.idsCountMismatch`, `.invalidLength`
    ///   or `.tokenOutOfRange` naming the item.
    public func logits(ids: [Int32], lengths: [Int], time: Int) throws(InferenceEngineError) -> Tensor {
        let result = try forward(ids: ids, lengths: lengths, time: time)
        return Tensor(shape: [lengths.count, architecture.numClasses], values: result.logits)
    }

    /// Class probabilities: the softmax of ``logits(ids:lengths:time:)`` divided by the
    /// temperature (temperature scaling, Guo et al. 2017), `softmax(logits / temperature)`.
    ///
    /// - Parameters: as ``logits(ids:lengths:time:)``, and
    ///   - temperature: T > 0, finite (a checkpoint's `temperature`); 1 leaves the logits as they
    ///     are (no division happens), larger values flatten the distribution, smaller sharpen it.
    ///     The argmax does not depend on it.
    /// - Returns: `[batch, numClasses]`, each row summing to 1.
    /// - Throws: as ``logits(ids:lengths:time:)``.
    public func probabilities(
        ids: [Int32], lengths: [Int], time: Int, temperature: Float = 1
    ) throws(InferenceEngineError) -> Tensor {
        try logitsAndProbabilities(ids: ids, lengths: lengths, time: time, temperature: temperature).probabilities
    }

    /// The logits and the probabilities of one forward pass: ``logits(ids:lengths:time:)`` and
    /// `softmax(logits / temperature)` (``probabilities(ids:lengths:time:temperature:)``).
    ///
    /// The predicted class is best taken from the logits: their argmax is the probabilities'
    /// in exact arithmetic, but at a large temperature the Float32 probabilities can round to
    /// ties the logits do not have.
    ///
    /// - Parameters: as ``probabilities(ids:lengths:time:temperature:)``.
    /// - Returns: two `[batch, numClasses]` tensors.
    /// - Throws: as ``logits(ids:lengths:time:)``.
    public func logitsAndProbabilities(
        ids: [Int32], lengths: [Int], time: Int, temperature: Float = 1
    ) throws(InferenceEngineError) -> (logits: Tensor, probabilities: Tensor) {
        precondition(temperature.isFinite && temperature > 0, "temperature \(temperature)")
        let logits = try logits(ids: ids, lengths: lengths, time: time)
        var result = logits
        let classes = architecture.numClasses
        if temperature != 1 {
            for k in result.values.indices { result.values[k] /= temperature }
        }
        result.values.withUnsafeMutableBufferPointer { values in
            for row in 0..<lengths.count {
                Self.softmax(values.baseAddress! + row * classes, count: classes)
            }
        }
        return (logits, result)
    }

    /// The pooled features the head starts from (before its first `tanh`): the mean or max of
    /// the top layer's outputs over time, concatenated with the last step's when `concatLast`.
    ///
    /// - Parameters: as ``logits(ids:lengths:time:)``.
    /// - Returns: `[batch, A]`, A = D or 2D (D = H, or 2H when bidirectional).
    /// - Throws: as ``logits(ids:lengths:time:)``.
    public func pooled(ids: [Int32], lengths: [Int], time: Int) throws(InferenceEngineError) -> Tensor {
        let result = try forward(ids: ids, lengths: lengths, time: time)
        return Tensor(shape: [lengths.count, architecture.headSize], values: result.pooled)
    }

    // MARK: - Forward pass

    /// Validates the input, runs the batch (split across threads when large) and returns the
    /// pooled vectors `[batch, A]` and logits `[batch, C]` in input order.
    func forward(ids: [Int32], lengths: [Int], time: Int) throws(InferenceEngineError)
        -> (pooled: [Float], logits: [Float])
    {
        let a = architecture
        let batch = lengths.count
        guard time >= 0 else { throw .invalidTime(time) }
        let (expectedCount, overflow) = batch.multipliedReportingOverflow(by: time)
        guard !overflow, ids.count == expectedCount else {
            throw .idsCountMismatch(idsCount: ids.count, batch: batch, time: time)
        }
        let notebook = a.padding == .notebook
        for (item, length) in lengths.enumerated() {
            guard length >= 1, length <= time else {
                throw .invalidLength(item: item, length: length, time: time)
            }
            for position in 0..<(notebook ? time : length) {
                let id = ids[item * time + position]
                guard id >= 0, Int(id) < a.vocabSize else {
                    throw .tokenOutOfRange(item: item, position: position, id: id, vocabularySize: a.vocabSize)
                }
            }
        }
        var pooled = [Float](repeating: 0, count: batch * a.headSize)
        var logits = [Float](repeating: 0, count: batch * a.numClasses)
        guard batch > 0 else { return (pooled, logits) }

        let stepCounts = notebook ? [Int](repeating: time, count: batch) : lengths
        // Longest first; ties in input order.
        let order = (0..<batch).sorted {
            stepCounts[$0] > stepCounts[$1] || (stepCounts[$0] == stepCounts[$1] && $0 < $1)
        }
        let partCount = max(1, min(options.threadCount, batch / options.minimumItemsPerThread))
        // Interleaved parts (items 0, n, 2n, … of the sorted order) carry equal work and stay sorted.
        let parts = (0..<partCount).map { k in Array(stride(from: k, to: batch, by: partCount).map { order[$0] }) }

        pooled.withUnsafeMutableBufferPointer { pooledOut in
            logits.withUnsafeMutableBufferPointer { logitsOut in
                let output = InferenceOutput(pooled: pooledOut.baseAddress!, logits: logitsOut.baseAddress!)
                Parallel.forEach(partCount) { k in
                    run(items: parts[k], stepCounts: stepCounts, ids: ids, time: time, into: output)
                }
            }
        }
        return (pooled, logits)
    }

    /// Runs the items (caller indices, sorted longest first; `stepCounts` per caller item) on
    /// the current thread and writes their pooled vectors and logits to their rows of `output`.
    private func run(
        items: [Int], stepCounts: [Int], ids: [Int32], time: Int, into output: InferenceOutput
    ) {
        let a = architecture
        let plan = InferenceBatchPlan(items: items, stepCounts: stepCounts, ids: ids, time: time)
        let scratch = InferenceScratch(plan: plan, architecture: a, chunkRows: options.inputProjectionChunkRows)
        let outputSize = a.outputSize
        var input: UnsafePointer<Float>? = nil
        var top = scratch.layerOutput[0].pointer
        for (k, directions) in layers.enumerated() {
            top = scratch.layerOutput[k & 1].pointer
            for (d, direction) in directions.enumerated() {
                direction.run(
                    plan: plan, input: input, output: top, outputStride: outputSize,
                    columnOffset: d * a.hiddenSize, scratch: scratch)
            }
            input = UnsafePointer(top)
        }
        pool(plan: plan, outputs: top, into: scratch.pooled.pointer)
        head(batch: plan.batchSize, scratch: scratch)

        let headSize = a.headSize, classes = a.numClasses
        for (i, item) in items.enumerated() {
            (output.pooled + item * headSize).update(from: scratch.pooled.pointer + i * headSize, count: headSize)
            (output.logits + item * classes).update(from: scratch.logits.pointer + i * classes, count: classes)
        }
    }

    /// Pools the top layer's packed outputs `[tokenCount, D]` into `pooled` `[batch, A]`
    /// (sorted order): mean or max over each item's steps, then the last step when `concatLast`
    /// (forward state at the item's last step, reverse state at step 0).
    private func pool(plan: InferenceBatchPlan, outputs: UnsafeMutablePointer<Float>, into pooled: UnsafeMutablePointer<Float>) {
        let a = architecture
        let d = a.outputSize, width = a.headSize
        let batch = plan.batchSize
        // Every item has step 0: start from it.
        for i in 0..<batch {
            (pooled + i * width).update(from: outputs + i * d, count: d)
        }
        for t in 1..<max(1, plan.steps) {
            let rows = outputs + plan.offsets[t] * d
            for i in 0..<plan.active[t] {
                let target = pooled + i * width, row = rows + i * d
                switch a.pooling {
                case .mean: for j in 0..<d { target[j] += row[j] }
                case .max: for j in 0..<d { target[j] = Swift.max(target[j], row[j]) }
                }
            }
        }
        if a.pooling == .mean {
            for i in 0..<batch {
                let target = pooled + i * width
                let count = Float(plan.lengths[i])
                for j in 0..<d { target[j] /= count }
            }
        }
        if a.concatLast {
            let h = a.hiddenSize
            for i in 0..<batch {
                let target = pooled + i * width + d
                target.update(from: outputs + (plan.offsets[plan.lengths[i] - 1] + i) * d, count: h)
                if a.bidirectional {
                    (target + h).update(from: outputs + i * d + h, count: h)
                }
            }
        }
    }

    /// The head: `logits = projection(tanh(linear(tanh(pooled))))` for `batch` rows of scratch.
    private func head(batch: Int, scratch: InferenceScratch) {
        let a = architecture
        let width = a.headSize, classes = a.numClasses
        let input = scratch.headInput.pointer, hidden = scratch.headHidden.pointer
        for k in 0..<(batch * width) { input[k] = InferenceMath.tanh(scratch.pooled.pointer[k]) }
        for i in 0..<batch { (hidden + i * width).update(from: linearBias, count: width) }
        BLAS.gemm(transposeB: true, m: batch, n: width, k: width, a: input, b: linearWeight.pointer, beta: 1, c: hidden)
        for k in 0..<(batch * width) { hidden[k] = InferenceMath.tanh(hidden[k]) }
        let logits = scratch.logits.pointer
        for i in 0..<batch { (logits + i * classes).update(from: projectionBias, count: classes) }
        BLAS.gemm(transposeB: true, m: batch, n: classes, k: width, a: hidden, b: projectionWeight.pointer, beta: 1, c: logits)
    }

    /// In-place softmax of `count` values (max subtracted first, for range).
    static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for k in 0..<count { maximum = Swift.max(maximum, values[k]) }
        var sum: Float = 0
        for k in 0..<count {
            values[k] = InferenceMath.exp(values[k] - maximum)
            sum += values[k]
        }
        for k in 0..<count { values[k] /= sum }
    }
}

/// Where the threads of one call write their results: rows of the caller's output arrays,
/// disjoint between threads.
private struct InferenceOutput: @unchecked Sendable {
    // @unchecked Sendable: each thread writes only the rows of its own items.
    let pooled: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>
}
