import ArgumentParser
import CommandLineSupport

/// A failure with the exit code DESIGN.md assigns: 2 for usage or bad input, 1 for a runtime
/// failure. The message goes to standard error.
enum CommandFailure: CommandLineFailure {
    case badInput(String)
    case runtime(String)

    var description: String {
        switch self {
        case .badInput(let message), .runtime(let message): "newsclf: error: \(message)"
        }
    }

    var exitStatus: Int32 {
        switch self {
        case .badInput: 2
        case .runtime: 1
        }
    }
}
