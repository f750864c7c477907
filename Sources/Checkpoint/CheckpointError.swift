import SafeTensors

/// A checkpoint directory could not be read, validated or written.
///
/// Every error names the file (a path, or the bare file name for a checkpoint checked in memory)
/// and, where one is involved, the tensor; ``description`` is a one-line message for operators.
public struct CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file (or the checkpoint directory itself) does not exist.
        case missingFile
        /// The path exists but is not a directory.
        case notADirectory
        /// The file exists but could not be read.
        case unreadable(String)
        /// `model.safetensors` is not a valid safetensors file (truncated, malformed header, …);
        /// the safetensors reader's own error.
        case invalidSafeTensors(SafeTensorsError.Kind)
        /// A tensor the architecture needs is absent (`load_state_dict(strict=True)`'s
        /// "Missing key(s)"); `others` more are missing too.
        case missingTensor(others: Int)
        /// A tensor the architecture does not have is present (PyTorch's "Unexpected key(s)");
        /// `others` more are unexpected too.
        case unexpectedTensor(others: Int)
        /// The tensor's shape differs from the one the architecture needs.
        case wrongShape(expected: [Int], actual: [Int])
        /// The tensor is stored in a type that is not a float32, float16 or bfloat16.
        case wrongDType(DType)
        /// A parameter holds NaN or an infinity (at this flat row-major index).
        case nonFiniteValue(index: Int)
        /// The value at this flat index does not fit the storage type (float16's ±65504).
        case unrepresentable(index: Int, dtype: DType)
        /// The JSON file cannot be parsed or does not have the expected structure.
        case invalidJSON(String)
        /// `config.json` decodes but describes no valid model (the key and the problem).
        case invalidConfiguration(key: String, problem: String)
        /// `vocab.txt` has a different number of tokens than `architecture.vocab_size`.
        case vocabularySizeMismatch(tokens: Int, vocabSize: Int)
        /// `vocab.txt` has a bad line (1-based line number; the token id is `line − 1`).
        case invalidVocabulary(line: Int, problem: String)
        /// An in-memory parameter has a different number of values than its shape needs.
        case wrongValueCount(expected: Int, actual: Int)
        /// The destination of a save cannot be replaced (it is not a checkpoint directory).
        case refusedDestination(String)
        /// A file or directory could not be written, synced or renamed.
        case unwritable(String)
    }

    /// The file (path) the error is about.
    public var file: String
    /// The tensor the error is about, if any.
    public var tensor: String?
    /// What went wrong.
    public var kind: Kind

    public init(file: String, tensor: String? = nil, kind: Kind) {
        self.file = file
        self.tensor = tensor
        self.kind = kind
    }

    /// The safetensors reader's error as a checkpoint error about the same file and tensor.
    init(_ error: SafeTensorsError) {
        self.init(file: error.file, tensor: error.tensor, kind: .invalidSafeTensors(error.kind))
    }

    public var description: String {
        let place = tensor.map { "\(file): tensor '\($0)'" } ?? file
        switch kind {
        case .missingFile: return "\(place): no such file or directory"
        case .notADirectory: return "\(place): not a directory"
        case .unreadable(let why): return "\(place): cannot read (\(why))"
        case .invalidSafeTensors(let kind):
            return SafeTensorsError(file: file, tensor: tensor, kind: kind).description
        case .missingTensor(let others):
            return "\(place): tensor is missing" + (others > 0 ? " (and \(others) more missing)" : "")
        case .unexpectedTensor(let others):
            return "\(place): unexpected tensor, not a parameter of this architecture"
                + (others > 0 ? " (and \(others) more unexpected)" : "")
        case .wrongShape(let expected, let actual):
            return "\(place): shape \(actual), the architecture in config.json needs \(expected)"
        case .wrongDType(let dtype):
            return "\(place): dtype \(dtype.rawValue), expected F32, F16 or BF16"
        case .nonFiniteValue(let index): return "\(place): value \(index) is not finite"
        case .unrepresentable(let index, let dtype):
            return "\(place): value \(index) is out of the range of \(dtype.rawValue)"
        case .invalidJSON(let why): return "\(place): invalid JSON: \(why)"
        case .invalidConfiguration(let key, let problem): return "\(place): \(key) \(problem)"
        case .vocabularySizeMismatch(let tokens, let vocabSize):
            return "\(place): \(tokens) tokens, but config.json architecture.vocab_size is \(vocabSize)"
        case .invalidVocabulary(let line, let problem): return "\(place): line \(line): \(problem)"
        case .wrongValueCount(let expected, let actual):
            return "\(place): \(actual) values, its shape needs \(expected)"
        case .refusedDestination(let why): return "\(place): will not replace it: \(why)"
        case .unwritable(let why): return "\(place): cannot write (\(why))"
        }
    }
}
