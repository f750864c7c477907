import TextPipeline

/// Why a training run could not start or continue.
///
/// ``isBadInput`` separates the caller's mistakes (exit code 2: a missing or malformed file, an
/// empty training set, a label outside the classes, a resume directory of another
/// configuration) from failures of the run itself (exit code 1: a write failed).
public struct TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// A configuration value is out of range (the option named as on the command line).
        case invalidConfiguration(option: String, problem: String)
        /// A data file could not be read or parsed (the reader's message names file and line).
        case unreadableData(String)
        /// A row's label is not one of the classes (file, 1-based line, the label as written).
        case unknownLabel(InputLocation, label: String)
        /// The training file (after `--limit`) has no rows, or the split left nothing to train on.
        case emptyTrainingSet(file: String, problem: String)
        /// `--out` already holds files and `--resume` was not given.
        case outputNotEmpty(path: String)
        /// The resume directory is missing, unreadable or of another run (configuration or data).
        case resumeMismatch(path: String, problem: String)
        /// The `--init-from` checkpoint cannot start this run.
        case initialCheckpoint(path: String, problem: String)
        /// Writing an output failed (path and the system's message).
        case writeFailed(path: String, problem: String)
        /// The numerics refused a batch (a bug, not bad input).
        case numerics(String)
    }

    /// What went wrong.
    public var kind: Kind

    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// Whether the caller's input is at fault (exit code 2) rather than the run (exit code 1).
    public var isBadInput: Bool {
        switch kind {
        case .writeFailed, .numerics: false
        default: true
        }
    }

    public var description: String {
        switch kind {
        case .invalidConfiguration(let option, let problem): "\(option) \(problem)"
        case .unreadableData(let message): message
        case .unknownLabel(let location, let label):
            "\(location): label \"\(label)\" is not one of the classes"
        case .emptyTrainingSet(let file, let problem): "\(file): \(problem)"
        case .outputNotEmpty(let path):
            "\(path) already holds files; choose another --out or continue it with --resume \(path)"
        case .resumeMismatch(let path, let problem): "\(path): cannot resume: \(problem)"
        case .initialCheckpoint(let path, let problem): "\(path): cannot initialise from this checkpoint: \(problem)"
        case .writeFailed(let path, let problem): "\(path): cannot write: \(problem)"
        case .numerics(let message): "training step failed: \(message)"
        }
    }
}
