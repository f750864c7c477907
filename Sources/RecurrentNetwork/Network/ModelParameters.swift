/// The learnable tensors of a classifier, by PyTorch `state_dict` name, in `state_dict` order.
///
/// Names and shapes are those of ``ModelArchitecture/parameterShapes``: `embedding.weight`
/// `[V, E]`; per layer `k` and direction (`_reverse` suffix) `rnn.weight_ih_l{k}` `[G·H, in]`,
/// `rnn.weight_hh_l{k}` `[G·H, H]`, `rnn.bias_ih_l{k}` and `rnn.bias_hh_l{k}` `[G·H]`;
/// `linear.weight` `[A, A]`, `linear.bias` `[A]`, `projection.weight` `[C, A]`, `projection.bias`
/// `[C]`. The same type holds gradients and optimizer moments (tensors of the same shapes).
///
/// A value type: copies are independent (copy-on-write arrays).
public struct ModelParameters: Sendable, Equatable {
    /// The architecture these tensors belong to.
    public let architecture: ModelArchitecture
    /// Tensor names in PyTorch `state_dict` order.
    public let names: [String]
    /// The tensors, in ``names`` order.
    public internal(set) var tensors: [Tensor]
    /// Position of each name in ``names``.
    let indexByName: [String: Int]

    /// Wraps tensors after checking them against the architecture.
    ///
    /// - Parameters:
    ///   - architecture: the network's shape; its ``ModelArchitecture/parameterShapes`` give the
    ///     expected names and shapes.
    ///   - tensors: every expected name exactly once, no other name.
    /// - Throws: ``ModelParametersError`` naming the tensor when one is missing, unexpected or of
    ///   the wrong shape, or `.invalidArchitecture` when the architecture itself is unusable.
    public init(architecture: ModelArchitecture, tensors: [String: Tensor]) throws(ModelParametersError) {
        try Self.validate(architecture)
        let expected = architecture.parameterShapes
        var ordered: [Tensor] = []
        ordered.reserveCapacity(expected.count)
        for (name, shape) in expected {
            guard let tensor = tensors[name] else {
                throw ModelParametersError(tensor: name, kind: .missing(expectedShape: shape))
            }
            guard tensor.shape == shape else {
                throw ModelParametersError(tensor: name, kind: .shapeMismatch(expected: shape, actual: tensor.shape))
            }
            ordered.append(tensor)
        }
        let known = Set(expected.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw ModelParametersError(tensor: extra, kind: .unexpected)
        }
        self.init(architecture: architecture, names: expected.map(\.name), tensors: ordered)
    }

    /// Tensors of zeros with the architecture's shapes (e.g. gradients or Adam moments).
    /// - Throws: ``ModelParametersError`` `.invalidArchitecture` for an unusable architecture.
    public init(zerosFor architecture: ModelArchitecture) throws(ModelParametersError) {
        try Self.validate(architecture)
        let expected = architecture.parameterShapes
        self.init(architecture: architecture, names: expected.map(\.name), tensors: expected.map { Tensor(zeros: $0.shape) })
    }

    /// Random tensors drawn as PyTorch's default initializers do, from a ``SplitMix64`` seeded
    /// with `seed` (same seed → same tensors on every run).
    ///
    /// - `embedding.weight`: N(0, 1) (`nn.Embedding.reset_parameters`).
    /// - `rnn.*`: U(−1/√H, 1/√H) for every weight and bias (`nn.RNNBase.reset_parameters`).
    /// - `linear.*`, `projection.*`: weight U(−1/√in, 1/√in) (`kaiming_uniform_(a=√5)`, whose
    ///   bound is gain·√(3/in) = 1/√in), bias U(−1/√in, 1/√in) (`nn.Linear.reset_parameters`).
    ///
    /// Each tensor draws from its own stream, `generator.split()` taken in `state_dict` order.
    /// - Throws: ``ModelParametersError`` `.invalidArchitecture` for an unusable architecture.
    public init(architecture: ModelArchitecture, seed: UInt64) throws(ModelParametersError) {
        try self.init(zerosFor: architecture)
        var generator = SplitMix64(seed: seed)
        for index in tensors.indices {
            var stream = generator.split()
            let name = names[index]
            let count = tensors[index].count
            let values: [Float]
            if name == "embedding.weight" {
                values = (0..<count).map { _ in Float(stream.nextStandardNormal()) }
            } else {
                let fanIn = name.hasPrefix("rnn.") ? architecture.hiddenSize : architecture.headSize
                let bound = 1 / Double(fanIn).squareRoot()
                values = (0..<count).map { _ in Float(-bound + 2 * bound * stream.nextUnitDouble()) }
            }
            tensors[index].values = values
        }
    }

    init(architecture: ModelArchitecture, names: [String], tensors: [Tensor]) {
        self.architecture = architecture
        self.names = names
        self.tensors = tensors
        self.indexByName = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// The tensor called `name`, one of ``names``.
    ///
    /// - Precondition: `name` is one of ``names`` (a programming error otherwise, as an array
    ///   index out of range is); use ``tensor(named:)`` for names read from outside.
    public subscript(name: String) -> Tensor {
        guard let index = indexByName[name] else {
            preconditionFailure("ModelParameters has no tensor \(name); it has \(names)")
        }
        return tensors[index]
    }

    /// The tensor called `name`.
    /// - Throws: ``ModelParametersError`` `.unexpected` when this architecture has no such tensor.
    public func tensor(named name: String) throws(ModelParametersError) -> Tensor {
        guard let index = indexByName[name] else { throw ModelParametersError(tensor: name, kind: .unexpected) }
        return tensors[index]
    }

    /// Replaces the tensor called `name`.
    /// - Throws: ``ModelParametersError`` when the name is unknown or the shape differs.
    public mutating func setTensor(_ tensor: Tensor, named name: String) throws(ModelParametersError) {
        guard let index = indexByName[name] else { throw ModelParametersError(tensor: name, kind: .unexpected) }
        guard tensors[index].shape == tensor.shape else {
            throw ModelParametersError(tensor: name, kind: .shapeMismatch(expected: tensors[index].shape, actual: tensor.shape))
        }
        tensors[index] = tensor
    }

    /// `(name, tensor)` pairs in `state_dict` order (what a checkpoint writer iterates).
    public var namedTensors: [(name: String, tensor: Tensor)] {
        Array(zip(names, tensors))
    }

    /// Total number of scalars.
    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Sets every element of every tensor to zero, keeping the storage.
    public mutating func setZero() {
        for index in tensors.indices {
            tensors[index].values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    /// Whether `other` has the same names and shapes (the same architecture's tensors).
    public func hasSameShapes(as other: ModelParameters) -> Bool {
        names == other.names && zip(tensors, other.tensors).allSatisfy { $0.shape == $1.shape }
    }

    /// Checks the numbers an architecture needs to make sense.
    static func validate(_ a: ModelArchitecture) throws(ModelParametersError) {
        func fail(_ reason: String) -> ModelParametersError {
            ModelParametersError(tensor: nil, kind: .invalidArchitecture(reason))
        }
        guard a.vocabSize >= 1 else { throw fail("vocab_size is \(a.vocabSize), needs ≥ 1") }
        guard a.embeddingSize >= 1 else { throw fail("embedding_size is \(a.embeddingSize), needs ≥ 1") }
        guard a.hiddenSize >= 1 else { throw fail("hidden_size is \(a.hiddenSize), needs ≥ 1") }
        guard a.numLayers >= 1 else { throw fail("num_layers is \(a.numLayers), needs ≥ 1") }
        guard a.numClasses >= 1 else { throw fail("num_classes is \(a.numClasses), needs ≥ 1") }
        guard a.dropout >= 0, a.dropout < 1 else { throw fail("dropout is \(a.dropout), needs 0 ≤ p < 1") }
        guard a.rnnDropout >= 0, a.rnnDropout < 1 else { throw fail("rnn_dropout is \(a.rnnDropout), needs 0 ≤ p < 1") }
    }
}

/// A parameter set that does not fit its architecture.
public struct ModelParametersError: Error, Equatable, CustomStringConvertible {
    /// The `state_dict` name concerned, when one is.
    public var tensor: String?
    /// What is wrong.
    public var kind: Kind

    public enum Kind: Equatable, Sendable {
        /// A tensor the architecture needs is absent.
        case missing(expectedShape: [Int])
        /// A tensor the architecture does not have.
        case unexpected
        /// A tensor has another shape than the architecture's.
        case shapeMismatch(expected: [Int], actual: [Int])
        /// The architecture itself is unusable (e.g. `num_layers` 0).
        case invalidArchitecture(String)
    }

    public init(tensor: String?, kind: Kind) {
        self.tensor = tensor
        self.kind = kind
    }

    public var description: String {
        let subject = tensor.map { "tensor \($0)" } ?? "architecture"
        switch kind {
        case .missing(let shape): return "\(subject) is missing (expected shape \(shape))"
        case .unexpected: return "\(subject) is not part of this architecture"
        case .shapeMismatch(let expected, let actual): return "\(subject) has shape \(actual), expected \(expected)"
        case .invalidArchitecture(let reason): return "invalid architecture: \(reason)"
        }
    }
}
