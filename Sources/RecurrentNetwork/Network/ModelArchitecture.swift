/// The shape of a recurrent text classifier: embedding → stacked (bi)directional GRU, LSTM or
/// RNN layers → pooling over time → `linear` + ReLU (+ dropout) → `projection` to class logits.
///
/// What ``ModelParameters``, ``ClassifierNetwork``, ``InferenceEngine`` and ``Adam`` are built
/// for. Sizes: V = ``vocabSize``, E = ``embeddingSize``, H = ``hiddenSize``, D = ``outputSize``,
/// A = ``headSize``, C = ``numClasses``. `Codable` with the snake_case keys a checkpoint's
/// `architecture` object uses (absent options decode as their defaults).
public struct ModelArchitecture: Codable, Sendable, Equatable {
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

    /// The PyTorch `state_dict` names and shapes this architecture has, in `state_dict` order:
    /// `embedding.weight` [V, E]; per layer k and direction (`_reverse` suffix for the backward
    /// one) `rnn.weight_ih_l{k}` [G·H, in], `rnn.weight_hh_l{k}` [G·H, H], `rnn.bias_ih_l{k}`,
    /// `rnn.bias_hh_l{k}` [G·H] (G = gate count, in = E for layer 0 and D above);
    /// `linear.weight` [A, A], `linear.bias` [A], `projection.weight` [C, A], `projection.bias` [C].
    public var parameterShapes: [(name: String, shape: [Int])] {
        let a = self
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

extension ModelArchitecture {
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
}
