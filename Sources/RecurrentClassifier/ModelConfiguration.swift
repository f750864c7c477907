/// The architecture and preprocessing of a classifier: the `config.json` of a checkpoint
/// directory (format `newsclf-checkpoint/1`, see DESIGN.md "Checkpoint format").
///
/// Keys are snake_case in JSON, as written by the trainer and by the notebook converter.
public struct ModelConfiguration: Codable, Sendable, Equatable {
    /// The checkpoint format tag; `"newsclf-checkpoint/1"`.
    public var format: String
    /// The network's shape.
    public var architecture: Architecture
    /// Class names, index = class id (AG News: World, Sports, Business, Sci/Tech).
    public var labels: [String]
    /// The text preprocessing the vocabulary was built with: `notebook-v1` or `normalized-v1`.
    public var preprocessing: String
    /// Items are cut to this many token ids, `<bos>` and `<eos>` included (the notebook: 256).
    public var maxLength: Int
    /// The ids of the special tokens in the vocabulary and the embedding.
    public var specialTokens: SpecialTokens

    /// The recurrent cell (PyTorch `nn.GRU`, `nn.LSTM`, `nn.RNN` with tanh).
    public enum Cell: String, Codable, Sendable, CaseIterable {
        case gru, lstm, rnn

        /// Gate blocks stacked in `weight_ih` / `weight_hh` (GRU r,z,n: 3; LSTM i,f,g,o: 4; RNN: 1).
        public var gateCount: Int {
            switch self {
            case .gru: 3
            case .lstm: 4
            case .rnn: 1
            }
        }
    }

    /// How the recurrent outputs over time become one vector.
    public enum Pooling: String, Codable, Sendable, CaseIterable {
        case mean, max
    }

    /// Whether padding enters the computation.
    public enum Padding: String, Codable, Sendable, CaseIterable {
        /// Each sequence runs with its own length (packed semantics): results do not depend on
        /// batching. What this project trains.
        case masked
        /// The notebook's semantics: the RNN runs over `<pad>` and the mean includes padded
        /// positions. Only for models exported from the notebook.
        case notebook
    }

    /// Network dimensions and options (the `architecture` object of `config.json`).
    public struct Architecture: Codable, Sendable, Equatable {
        public var cell: Cell
        /// Rows of the embedding, = vocabulary size.
        public var vocabSize: Int
        /// Columns of the embedding (E).
        public var embeddingSize: Int
        /// Hidden size of each recurrent direction (H).
        public var hiddenSize: Int
        /// Stacked recurrent layers (≥ 1).
        public var numLayers: Int
        /// Whether each layer also runs right to left (`…_reverse` tensors); D = 2H then.
        public var bidirectional: Bool
        public var pooling: Pooling
        /// Whether the pooled vector is concatenated with the last valid step's output (A = 2D).
        public var concatLast: Bool
        /// Dropout probability of the head (after `linear`), training only.
        public var dropout: Double
        /// Dropout between recurrent layers, training only (PyTorch's `dropout` of `nn.GRU`).
        public var rnnDropout: Double
        public var padding: Padding
        /// Output classes (C).
        public var numClasses: Int

        public init(
            cell: Cell = .gru, vocabSize: Int, embeddingSize: Int = 256, hiddenSize: Int = 256,
            numLayers: Int = 2, bidirectional: Bool = false, pooling: Pooling = .mean,
            concatLast: Bool = false, dropout: Double = 0.1, rnnDropout: Double = 0,
            padding: Padding = .masked, numClasses: Int = 4
        ) {
            self.cell = cell
            self.vocabSize = vocabSize
            self.embeddingSize = embeddingSize
            self.hiddenSize = hiddenSize
            self.numLayers = numLayers
            self.bidirectional = bidirectional
            self.pooling = pooling
            self.concatLast = concatLast
            self.dropout = dropout
            self.rnnDropout = rnnDropout
            self.padding = padding
            self.numClasses = numClasses
        }

        /// Width of one time step of the top layer's output: D = H, or 2H when bidirectional.
        public var outputSize: Int { bidirectional ? 2 * hiddenSize : hiddenSize }
        /// Width of the pooled vector and of the head: A = D, or 2D with `concatLast`.
        public var headSize: Int { concatLast ? 2 * outputSize : outputSize }

        enum CodingKeys: String, CodingKey {
            case cell, pooling, dropout, padding, bidirectional
            case vocabSize = "vocab_size", embeddingSize = "embedding_size", hiddenSize = "hidden_size"
            case numLayers = "num_layers", concatLast = "concat_last", rnnDropout = "rnn_dropout"
            case numClasses = "num_classes"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cell = try c.decode(Cell.self, forKey: .cell)
            vocabSize = try c.decode(Int.self, forKey: .vocabSize)
            embeddingSize = try c.decode(Int.self, forKey: .embeddingSize)
            hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
            numLayers = try c.decode(Int.self, forKey: .numLayers)
            bidirectional = try c.decodeIfPresent(Bool.self, forKey: .bidirectional) ?? false
            pooling = try c.decodeIfPresent(Pooling.self, forKey: .pooling) ?? .mean
            concatLast = try c.decodeIfPresent(Bool.self, forKey: .concatLast) ?? false
            dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? 0
            rnnDropout = try c.decodeIfPresent(Double.self, forKey: .rnnDropout) ?? 0
            padding = try c.decodeIfPresent(Padding.self, forKey: .padding) ?? .masked
            numClasses = try c.decode(Int.self, forKey: .numClasses)
        }
    }

    /// Special-token ids (`special_tokens` in `config.json`).
    public struct SpecialTokens: Codable, Sendable, Equatable {
        public var unk: Int
        public var bos: Int
        public var eos: Int
        public var pad: Int

        /// The ids this project's trainer always writes: `<unk>`=0, `<bos>`=1, `<eos>`=2, `<pad>`=3.
        public static let standard = SpecialTokens(unk: 0, bos: 1, eos: 2, pad: 3)

        public init(unk: Int, bos: Int, eos: Int, pad: Int) {
            self.unk = unk
            self.bos = bos
            self.eos = eos
            self.pad = pad
        }
    }

    /// The checkpoint format this code reads and writes.
    public static let currentFormat = "newsclf-checkpoint/1"

    public init(
        architecture: Architecture, labels: [String] = ["World", "Sports", "Business", "Sci/Tech"],
        preprocessing: String = "notebook-v1", maxLength: Int = 256,
        specialTokens: SpecialTokens = .standard
    ) {
        self.format = Self.currentFormat
        self.architecture = architecture
        self.labels = labels
        self.preprocessing = preprocessing
        self.maxLength = maxLength
        self.specialTokens = specialTokens
    }

    enum CodingKeys: String, CodingKey {
        case format, architecture, labels, preprocessing
        case maxLength = "max_length", specialTokens = "special_tokens"
    }

    /// The PyTorch `state_dict` names and shapes this architecture has, in `state_dict` order:
    /// `embedding.weight` [V, E]; per layer k and direction (`_reverse` suffix for the backward
    /// one) `rnn.weight_ih_l{k}` [G·H, in], `rnn.weight_hh_l{k}` [G·H, H], `rnn.bias_ih_l{k}`,
    /// `rnn.bias_hh_l{k}` [G·H] (G = gate count, in = E for layer 0 and D above);
    /// `linear.weight` [A, A], `linear.bias` [A], `projection.weight` [C, A], `projection.bias` [C].
    public var parameterShapes: [(name: String, shape: [Int])] {
        let a = architecture
        let g = a.cell.gateCount * a.hiddenSize
        var result: [(String, [Int])] = [("embedding.weight", [a.vocabSize, a.embeddingSize])]
        for layer in 0..<a.numLayers {
            let input = layer == 0 ? a.embeddingSize : a.outputSize
            for suffix in a.bidirectional ? ["", "_reverse"] : [""] {
                result.append(("rnn.weight_ih_l\(layer)\(suffix)", [g, input]))
                result.append(("rnn.weight_hh_l\(layer)\(suffix)", [g, a.hiddenSize]))
                result.append(("rnn.bias_ih_l\(layer)\(suffix)", [g]))
                result.append(("rnn.bias_hh_l\(layer)\(suffix)", [g]))
            }
        }
        result.append(("linear.weight", [a.headSize, a.headSize]))
        result.append(("linear.bias", [a.headSize]))
        result.append(("projection.weight", [a.numClasses, a.headSize]))
        result.append(("projection.bias", [a.numClasses]))
        return result
    }
}

// MARK: - Validation

extension ModelConfiguration {
    /// A configuration that no model can have, named by its `config.json` key.
    public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The JSON key path of the offending value, e.g. `architecture.vocab_size`.
        public var key: String
        /// What is wrong with it.
        public var problem: String

        public init(key: String, problem: String) {
            self.key = key
            self.problem = problem
        }

        public var description: String { "\(key): \(problem)" }
    }

    /// The preprocessing ids this project implements (DESIGN.md "Checkpoint format"):
    /// `notebook-v1` (exact notebook parity) and `normalized-v1`.
    public static let knownPreprocessings: [String] = ["notebook-v1", "normalized-v1"]

    /// The shortest sensible `max_length`: `<bos>`, one word, `<eos>`.
    public static let minimumMaxLength = 3

    /// Checks everything a checkpoint reader relies on: the format tag is
    /// ``currentFormat``; vocabulary, embedding, hidden, layer and class counts are positive;
    /// dropout probabilities lie in [0, 1); there is one distinct, non-empty label per class;
    /// `preprocessing` is one of ``knownPreprocessings``; `max_length` ≥ ``minimumMaxLength``;
    /// the four special-token ids are distinct and inside the vocabulary.
    ///
    /// The cell, pooling and padding are checked by decoding (unknown values do not decode).
    /// - Throws: ``ValidationError`` naming the first offending key.
    public func validate() throws(ValidationError) {
        guard format == Self.currentFormat else {
            throw ValidationError(key: "format", problem: "is \"\(format)\", expected \"\(Self.currentFormat)\"")
        }
        let a = architecture
        let sizes: [(String, Int)] = [
            ("architecture.vocab_size", a.vocabSize), ("architecture.embedding_size", a.embeddingSize),
            ("architecture.hidden_size", a.hiddenSize), ("architecture.num_layers", a.numLayers),
            ("architecture.num_classes", a.numClasses),
        ]
        for (key, value) in sizes where value <= 0 {
            throw ValidationError(key: key, problem: "is \(value), must be positive")
        }
        for (key, p) in [("architecture.dropout", a.dropout), ("architecture.rnn_dropout", a.rnnDropout)]
        where !(p >= 0 && p < 1) {
            throw ValidationError(key: key, problem: "is \(p), must be in [0, 1)")
        }
        guard labels.count == a.numClasses else {
            throw ValidationError(
                key: "labels", problem: "has \(labels.count) names but architecture.num_classes is \(a.numClasses)")
        }
        if let empty = labels.firstIndex(where: \.isEmpty) {
            throw ValidationError(key: "labels", problem: "name \(empty) is empty")
        }
        if let duplicate = labels.indices.first(where: { labels[..<$0].contains(labels[$0]) }) {
            throw ValidationError(key: "labels", problem: "name \"\(labels[duplicate])\" appears twice")
        }
        guard Self.knownPreprocessings.contains(preprocessing) else {
            throw ValidationError(
                key: "preprocessing",
                problem: "is \"\(preprocessing)\", expected one of \(Self.knownPreprocessings.joined(separator: ", "))")
        }
        guard maxLength >= Self.minimumMaxLength else {
            throw ValidationError(key: "max_length", problem: "is \(maxLength), must be at least \(Self.minimumMaxLength)")
        }
        let special = specialTokens.entries
        for entry in special where !(0..<a.vocabSize).contains(entry.id) {
            throw ValidationError(
                key: "special_tokens.\(entry.key)", problem: "is \(entry.id), outside the vocabulary 0..<\(a.vocabSize)")
        }
        for (i, entry) in special.enumerated() {
            if let other = special[..<i].first(where: { $0.id == entry.id }) {
                throw ValidationError(
                    key: "special_tokens.\(entry.key)", problem: "is \(entry.id), the same id as \(other.key)")
            }
        }
    }
}

extension ModelConfiguration.SpecialTokens {
    /// Each special token: its `config.json` key, its text in `vocab.txt` and its id, in the order
    /// unk, bos, eos, pad.
    public var entries: [(key: String, token: String, id: Int)] {
        [("unk", "<unk>", unk), ("bos", "<bos>", bos), ("eos", "<eos>", eos), ("pad", "<pad>", pad)]
    }
}
