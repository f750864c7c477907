import RecurrentNetwork
import Crypto
import Foundation
import SafeTensors

/// A trained classifier as stored on disk: a checkpoint directory (DESIGN.md "Checkpoint format").
///
/// | file | content |
/// | --- | --- |
/// | `model.safetensors` | the parameters under their PyTorch `state_dict` names, F32 (or F16/BF16) |
/// | `config.json` | ``ModelConfiguration`` |
/// | `metrics.json` | ``CheckpointMetrics``, a free-form JSON object |
/// | `vocab.txt` | one token a line, id = 0-based line number |
///
/// A `Checkpoint` value is always complete and consistent: ``load(from:)`` validates every file
/// before it returns, and ``init(configuration:parameters:metrics:vocabulary:)`` and
/// ``save(to:dtype:)`` validate the value. The parameter set is checked as PyTorch's
/// `load_state_dict(strict=True)` does (no missing and no unexpected names, same shapes), so
/// `model.safetensors` loads into the PyTorch model of `config.json` and back.
public struct Checkpoint: Sendable, Equatable {
    /// The parameters file.
    public static let modelFileName = "model.safetensors"
    /// The architecture file.
    public static let configurationFileName = "config.json"
    /// The training record.
    public static let metricsFileName = "metrics.json"
    /// The vocabulary file.
    public static let vocabularyFileName = "vocab.txt"

    /// The architecture, labels, preprocessing and special-token ids.
    public var configuration: ModelConfiguration
    /// Every parameter by its PyTorch `state_dict` name, with the shapes of
    /// ``ModelArchitecture/parameterShapes`` (e.g. `embedding.weight` [V, E]).
    public var parameters: [String: Tensor]
    /// How the model was trained and what it scored.
    public var metrics: CheckpointMetrics
    /// The tokens by id (`vocabulary[id]`); `count == configuration.architecture.vocabSize`.
    public var vocabulary: [String]
    /// What `model.safetensors` held when this value was loaded; `nil` for a checkpoint built in
    /// memory. Not updated when the parameters change.
    public internal(set) var modelFile: ModelFile?
    /// The checkpoint digest of the files this value was loaded from (``digest(model:configuration:vocabulary:)``:
    /// weights, `config.json` and `vocab.txt`), the model digest the worker reports in every
    /// label; `nil` for a checkpoint built in memory. Not updated when the value changes.
    public internal(set) var digest: String?

    /// The `model.safetensors` a checkpoint was read from or written to.
    public struct ModelFile: Sendable, Equatable {
        /// Its path.
        public var url: URL
        /// Its size in bytes.
        public var byteCount: Int
        /// `sha256:` and the lowercase hex SHA-256 of its bytes (the weights alone; the model
        /// digest the worker reports is ``Checkpoint/digest``, which covers all that changes a prediction).
        public var digest: String
        /// Each tensor's stored element type.
        public var dtypes: [String: DType]
    }

    /// The element types ``save(to:dtype:)`` writes parameters in.
    public enum StorageDType: String, Sendable, CaseIterable {
        /// IEEE binary32: exact.
        case float32
        /// IEEE binary16: half the size, ~3 significant decimal digits, |x| ≤ 65504.
        case float16

        /// The safetensors dtype.
        public var dtype: DType {
            switch self {
            case .float32: .float32
            case .float16: .float16
            }
        }
    }

    /// A checkpoint from its parts, validated as ``load(from:)`` validates files.
    /// - Parameters:
    ///   - configuration: the architecture; it decides which parameters must be present.
    ///   - parameters: every parameter of ``ModelArchitecture/parameterShapes``, no other.
    ///   - metrics: the training record (may be empty).
    ///   - vocabulary: the tokens by id, `configuration.architecture.vocabSize` of them.
    /// - Throws: ``CheckpointError`` naming the file the bad part belongs in (bare file names,
    ///   e.g. `model.safetensors`) and the tensor.
    public init(
        configuration: ModelConfiguration, parameters: [String: Tensor], metrics: CheckpointMetrics = [:],
        vocabulary: [String]
    ) throws(CheckpointError) {
        self.configuration = configuration
        self.parameters = parameters
        self.metrics = metrics
        self.vocabulary = vocabulary
        try validate()
    }

    /// Checks that the parts are consistent: a valid configuration, a vocabulary of
    /// `vocab_size` distinct non-empty tokens with the special tokens at their ids, and exactly
    /// the architecture's parameters with their shapes and finite values.
    /// - Throws: ``CheckpointError`` naming the file (bare name) and tensor of the first problem.
    public func validate() throws(CheckpointError) {
        try validate(in: nil)
    }

    /// ``validate()``, with file names under `directory` when one is given.
    func validate(in directory: URL?) throws(CheckpointError) {
        func path(_ name: String) -> String { directory?.appendingPathComponent(name).path ?? name }
        try Self.validate(configuration, file: path(Self.configurationFileName))
        try Self.validate(vocabulary: vocabulary, for: configuration, file: path(Self.vocabularyFileName))
        let file = path(Self.modelFileName)
        try Self.checkNames(Set(parameters.keys), for: configuration, file: file)
        for (name, shape) in configuration.architecture.parameterShapes {
            let tensor = parameters[name]!
            guard tensor.shape == shape else {
                throw CheckpointError(file: file, tensor: name, kind: .wrongShape(expected: shape, actual: tensor.shape))
            }
            let count = shape.reduce(1, *)
            guard tensor.values.count == count else {
                throw CheckpointError(
                    file: file, tensor: name, kind: .wrongValueCount(expected: count, actual: tensor.values.count))
            }
            try Self.checkFinite(tensor.values, file: file, tensor: name)
        }
    }

    /// The parameters in `state_dict` order (``ModelArchitecture/parameterShapes``).
    /// - Precondition: the checkpoint is valid (every name is present).
    public var orderedParameters: [(name: String, tensor: Tensor)] {
        configuration.architecture.parameterShapes.map { ($0.name, parameters[$0.name]!) }
    }

    /// The number of scalar parameters (embedding included).
    public var parameterCount: Int {
        parameters.values.reduce(0) { $0 + $1.count }
    }

    /// The files the checkpoint digest covers, in the order it lists them: everything that
    /// changes a prediction (the weights; the architecture, labels, preprocessing, `max_length`,
    /// special tokens and temperature; the vocabulary). `metrics.json` is a record only and is
    /// not covered.
    public static let digestedFileNames = [modelFileName, configurationFileName, vocabularyFileName]

    /// The checkpoint digest: `sha256:` and the lowercase hex SHA-256 of the manifest
    ///
    /// ```text
    /// <hex SHA-256 of model.safetensors>  model.safetensors\n
    /// <hex SHA-256 of config.json>  config.json\n
    /// <hex SHA-256 of vocab.txt>  vocab.txt\n
    /// ```
    ///
    /// (each line: 64 lowercase hex digits, two spaces, the file name, a line feed; UTF-8). The
    /// manifest is exactly what `sha256sum model.safetensors config.json vocab.txt` prints in the
    /// checkpoint directory, so `(cd DIR && sha256sum model.safetensors config.json vocab.txt |
    /// sha256sum)` gives the same hex. A recalibrated model (another `temperature` in
    /// `config.json`) or another vocabulary has another digest even with the same weights.
    /// - Parameters:
    ///   - model: the bytes of `model.safetensors`.
    ///   - configuration: the bytes of `config.json`.
    ///   - vocabulary: the bytes of `vocab.txt`.
    /// - Returns: `sha256:` followed by 64 lowercase hex digits.
    public static func digest(model: Data, configuration: Data, vocabulary: Data) -> String {
        let manifest = zip(digestedFileNames, [model, configuration, vocabulary]).map { name, bytes in
            hexSHA256(bytes) + "  " + name + "\n"
        }.joined()
        return "sha256:" + hexSHA256(Data(manifest.utf8))
    }

    /// `sha256:` followed by the lowercase hex SHA-256 (FIPS 180-4, via swift-crypto) of `bytes`.
    public static func digest(of bytes: Data) -> String {
        "sha256:" + hexSHA256(bytes)
    }

    /// The lowercase hex SHA-256 of `bytes` (64 digits).
    static func hexSHA256(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }

    // MARK: Validation shared by load, init and save

    /// `config.json`'s values (``ModelConfiguration/validate()``).
    static func validate(_ configuration: ModelConfiguration, file: String) throws(CheckpointError) {
        do {
            try configuration.validate()
        } catch {
            throw CheckpointError(file: file, kind: .invalidConfiguration(key: error.key, problem: error.problem))
        }
    }

    /// `vocab.txt`'s tokens: `vocab_size` of them, none empty or with a line break, all distinct,
    /// and each special token (`<unk>`, `<bos>`, `<eos>`, `<pad>`) at the id `config.json` gives.
    static func validate(
        vocabulary: [String], for configuration: ModelConfiguration, file: String
    ) throws(CheckpointError) {
        let vocabSize = configuration.architecture.vocabSize
        guard vocabulary.count == vocabSize else {
            throw CheckpointError(file: file, kind: .vocabularySizeMismatch(tokens: vocabulary.count, vocabSize: vocabSize))
        }
        var seen: [String: Int] = [:]
        seen.reserveCapacity(vocabulary.count)
        for (id, token) in vocabulary.enumerated() {
            if token.isEmpty {
                throw CheckpointError(file: file, kind: .invalidVocabulary(line: id + 1, problem: "empty token"))
            }
            if token.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
                throw CheckpointError(
                    file: file, kind: .invalidVocabulary(line: id + 1, problem: "token \(token.debugDescription) has a line break"))
            }
            if let first = seen.updateValue(id, forKey: token) {
                throw CheckpointError(
                    file: file,
                    kind: .invalidVocabulary(line: id + 1, problem: "token \(token.debugDescription) repeats line \(first + 1)"))
            }
        }
        for entry in configuration.specialTokens.configurationEntries where vocabulary[entry.id] != entry.token {
            throw CheckpointError(
                file: file,
                kind: .invalidVocabulary(
                    line: entry.id + 1,
                    problem: "holds \(vocabulary[entry.id].debugDescription), but config.json special_tokens.\(entry.key) "
                        + "= \(entry.id) names \(entry.token.debugDescription)"))
        }
    }

    /// Strict `state_dict` names: the first missing name in `state_dict` order, else the first
    /// unexpected name in sorted order.
    static func checkNames(_ names: Set<String>, for configuration: ModelConfiguration, file: String) throws(CheckpointError) {
        let expected = configuration.architecture.parameterShapes.map(\.name)
        let missing = expected.filter { !names.contains($0) }
        if let first = missing.first {
            throw CheckpointError(file: file, tensor: first, kind: .missingTensor(others: missing.count - 1))
        }
        let unexpected = names.subtracting(expected).sorted()
        if let first = unexpected.first {
            throw CheckpointError(file: file, tensor: first, kind: .unexpectedTensor(others: unexpected.count - 1))
        }
    }

    /// Refuses NaN and infinities: a diverged model must not replace a working one.
    static func checkFinite(_ values: [Float], file: String, tensor: String) throws(CheckpointError) {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(file: file, tensor: tensor, kind: .nonFiniteValue(index: index))
        }
    }
}
