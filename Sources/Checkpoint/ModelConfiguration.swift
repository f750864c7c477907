import TextPipeline
import RecurrentNetwork

/// The architecture and preprocessing of a classifier: the `config.json` of a checkpoint
/// directory (format `newsclf-checkpoint/1`, see DESIGN.md "Checkpoint format").
///
/// Keys are snake_case in JSON, as written by the trainer and by the notebook converter.
/// The network's shape is RecurrentNetwork's ``ModelArchitecture``; the preprocessing and the
/// special-token ids are TextPipeline's ``Preprocessing`` and ``SpecialTokens``.
public struct ModelConfiguration: Codable, Sendable, Equatable {
    /// The checkpoint format tag; `"newsclf-checkpoint/1"`.
    public var format: String
    /// The network's shape.
    public var architecture: ModelArchitecture
    /// Class names, index = class id (AG News: World, Sports, Business, Sci/Tech).
    public var labels: [String]
    /// The text preprocessing the vocabulary was built with: `notebook-v1` or `normalized-v1`.
    public var preprocessing: Preprocessing
    /// Items are cut to this many token ids, `<bos>` and `<eos>` included (the notebook: 256).
    public var maxLength: Int
    /// The ids of the special tokens in the vocabulary and the embedding.
    public var specialTokens: SpecialTokens
    /// The temperature T of temperature scaling (Guo et al. 2017): the engine's probabilities are
    /// `softmax(logits / T)`; the logits themselves are not scaled. A finite number > 0; `1` (no
    /// scaling) when `config.json` has no `temperature` key, as checkpoints written before
    /// calibration existed. Fitted by `newsclf-train` on its validation split, or by
    /// `newsclf calibrate`.
    public var temperature: Double

    /// The checkpoint format this code reads and writes.
    public static let currentFormat = "newsclf-checkpoint/1"

    public init(
        architecture: ModelArchitecture, labels: [String] = ["World", "Sports", "Business", "Sci/Tech"],
        preprocessing: Preprocessing = .notebookV1, maxLength: Int = 256,
        specialTokens: SpecialTokens = .standard, temperature: Double = Self.defaultTemperature
    ) {
        self.format = Self.currentFormat
        self.architecture = architecture
        self.labels = labels
        self.preprocessing = preprocessing
        self.maxLength = maxLength
        self.specialTokens = specialTokens
        self.temperature = temperature
    }

    /// The temperature of a checkpoint whose `config.json` has none: 1, probabilities are the
    /// plain softmax of the logits.
    public static let defaultTemperature = 1.0

    enum CodingKeys: String, CodingKey {
        case format, architecture, labels, preprocessing
        case maxLength = "max_length", specialTokens = "special_tokens"
        case temperature
    }

    /// Decodes `config.json`.
    /// An absent `temperature` decodes as ``defaultTemperature``; its value is checked by
    /// ``validate()``, not here.
    /// - Throws: `DecodingError` for JSON of another structure; ``ValidationError`` (key
    ///   `preprocessing`) when the preprocessing id is none of ``Preprocessing``'s.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        architecture = try c.decode(ModelArchitecture.self, forKey: .architecture)
        labels = try c.decode([String].self, forKey: .labels)
        let preprocessingID = try c.decode(String.self, forKey: .preprocessing)
        guard let preprocessing = Preprocessing(rawValue: preprocessingID) else {
            throw ValidationError(
                key: CodingKeys.preprocessing.stringValue,
                problem: "is \"\(preprocessingID)\", expected one of \(Self.knownPreprocessings.joined(separator: ", "))")
        }
        self.preprocessing = preprocessing
        maxLength = try c.decode(Int.self, forKey: .maxLength)
        specialTokens = try c.decode(SpecialTokens.self, forKey: .specialTokens)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? Self.defaultTemperature
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
    public static let knownPreprocessings: [String] = Preprocessing.allCases.map(\.rawValue)

    /// The shortest sensible `max_length`: `<bos>`, one word, `<eos>`.
    public static let minimumMaxLength = 3

    /// Checks everything a checkpoint reader relies on: the format tag is
    /// ``currentFormat``; vocabulary, embedding, hidden, layer and class counts are positive;
    /// dropout probabilities lie in [0, 1); there is one distinct, non-empty label per class;
    /// `max_length` ≥ ``minimumMaxLength``;
    /// the four special-token ids are distinct and inside the vocabulary; `temperature` is finite
    /// and greater than 0.
    ///
    /// The cell, pooling, padding and preprocessing are checked by decoding (unknown values do
    /// not decode; an unknown preprocessing throws ``ValidationError``).
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
        guard maxLength >= Self.minimumMaxLength else {
            throw ValidationError(key: "max_length", problem: "is \(maxLength), must be at least \(Self.minimumMaxLength)")
        }
        let special = specialTokens.configurationEntries
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
        try Self.validate(temperature: temperature)
    }

    /// The temperatures a checkpoint may have: 0.001...1000. The engine divides Float32 logits
    /// by T: below 0.001 a logit of a few hundred would overflow Float32 (and a value such as
    /// 1e-320 is 0 as a Float32), above 1000 every probability is 1/classes to within Float32
    /// precision. Temperature scaling's fit searches 0.01...100 (``TemperatureScaling``).
    public static let temperatureRange: ClosedRange<Double> = 0.001...1000

    /// Checks a temperature (``temperature``): a finite number in ``temperatureRange``.
    /// - Throws: ``ValidationError`` with key `temperature`, naming the value.
    public static func validate(temperature: Double) throws(ValidationError) {
        guard temperature.isFinite && temperature > 0 else {
            throw ValidationError(key: "temperature", problem: "is \(temperature), must be a finite number greater than 0")
        }
        guard temperatureRange.contains(temperature) else {
            throw ValidationError(
                key: "temperature",
                problem: "is \(temperature), outside \(temperatureRange.lowerBound)...\(Int(temperatureRange.upperBound)) (Float32 logits / T would overflow or flatten to 1/classes)")
        }
    }
}

extension SpecialTokens {
    /// Each special token: its `config.json` key (under `special_tokens`), its text in
    /// `vocab.txt` and its id, in the order unk, bos, eos, pad.
    var configurationEntries: [(key: String, token: String, id: Int)] {
        [("unk", "<unk>", Int(unk)), ("bos", "<bos>", Int(bos)), ("eos", "<eos>", Int(eos)), ("pad", "<pad>", Int(pad))]
    }
}
