/// Why an ``InferenceEngine`` could not be built or could not run a batch.
public enum InferenceEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The architecture is unusable (a size below 1); the message names the field.
    case invalidConfiguration(String)
    /// A `state_dict` tensor the architecture needs is absent.
    case missingParameter(name: String)
    /// A tensor the architecture does not have was given (PyTorch's strict `load_state_dict`
    /// refuses these too).
    case unexpectedParameter(name: String)
    /// A tensor has the wrong shape for the architecture.
    case parameterShapeMismatch(name: String, expected: [Int], actual: [Int])
    /// `time` is negative.
    case invalidTime(Int)
    /// `ids.count` is not `batch · time` (`batch` = `lengths.count`).
    case idsCountMismatch(idsCount: Int, batch: Int, time: Int)
    /// An item's length is 0 or longer than `time`.
    case invalidLength(item: Int, length: Int, time: Int)
    /// A token id the computation would read is negative or not below the vocabulary size.
    case tokenOutOfRange(item: Int, position: Int, id: Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            "invalid model configuration: \(message)"
        case .missingParameter(let name):
            "parameter '\(name)' is missing"
        case .unexpectedParameter(let name):
            "parameter '\(name)' is not part of this architecture"
        case .parameterShapeMismatch(let name, let expected, let actual):
            "parameter '\(name)' has shape \(actual), the architecture needs \(expected)"
        case .invalidTime(let time):
            "time \(time) is negative"
        case .idsCountMismatch(let count, let batch, let time):
            "\(count) token ids for a batch of \(batch) items × \(time) positions"
        case .invalidLength(let item, let length, let time):
            "item \(item) has length \(length); lengths must be in 1...\(time)"
        case .tokenOutOfRange(let item, let position, let id, let vocabularySize):
            "item \(item) has token id \(id) at position \(position); ids must be in 0..<\(vocabularySize)"
        }
    }
}
