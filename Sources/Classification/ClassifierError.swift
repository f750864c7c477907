/// Errors of loading or running a text classifier.
public enum ClassifierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No model directory was given and none of these places holds the shipped one.
    case modelNotFound([String])
    /// The checkpoint was refused (the message names the file and tensor).
    case invalidCheckpoint(String)
    /// The engine refused a batch.
    case inference(String)

    public var description: String {
        switch self {
        case .modelNotFound(let places):
            return "no model found; looked in: \(places.joined(separator: ", ")). Pass --model DIR or set NEWSCLF_MODEL"
        case .invalidCheckpoint(let message):
            return "invalid checkpoint: \(message)"
        case .inference(let message):
            return "classification failed: \(message)"
        }
    }
}
