import ArgumentParser

/// A failure with the exit code DESIGN.md assigns: 2 for usage or bad input, 1 for a runtime
/// failure. The message goes to standard error.
enum CommandFailure: Error, CustomStringConvertible {
    case badInput(String)
    case runtime(String)

    var description: String {
        switch self {
        case .badInput(let message), .runtime(let message): "newsclf: error: \(message)"
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .badInput: ExitCode(2)
        case .runtime: ExitCode(1)
        }
    }
}
