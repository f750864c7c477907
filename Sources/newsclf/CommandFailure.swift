import ArgumentParser
import CommandLineSupport

/// A failure with the exit code DESIGN.md assigns: 2 for usage or bad input, 1 for a runtime
/// failure, 3 for a verdict that refuses (`newsclf compare`; not an error). The message goes to
/// standard error.
enum CommandFailure: CommandLineFailure {
    case badInput(String)
    case runtime(String)
    /// A verdict that refuses, with its reason.
    case refused(String)

    var description: String {
        switch self {
        case .badInput(let message), .runtime(let message): "newsclf: error: \(message)"
        case .refused(let reason): "newsclf: refused: \(reason)"
        }
    }

    var exitStatus: Int32 {
        switch self {
        case .badInput: 2
        case .runtime: 1
        case .refused: 3
        }
    }
}
