import ArgumentParser
import Foundation
import RecurrentClassifier

/// `newsclf`: classify texts, evaluate a model on AG News, inspect a checkpoint.
///
/// Exit codes (DESIGN.md "Interfaces"): 0 success, 1 runtime failure, 2 usage or bad input
/// (ArgumentParser's own usage errors, `EX_USAGE` 64, are reported as 2).
@main
struct Newsclf: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsclf",
        abstract: "Classify news by topic with a newsclf checkpoint.",
        subcommands: [ClassifyCommand.self, EvalCommand.self, InspectCommand.self])

    static func main() async {
        OpenBLASKernelSelection.reexecuteIfNeeded()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            Foundation.exit(failure.exitCode.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
