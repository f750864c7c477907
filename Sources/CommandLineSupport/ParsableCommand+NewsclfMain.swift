import ArgumentParser
import ComputeRuntime
import Foundation

/// An error that carries the process exit status and the message for standard error.
public protocol CommandLineFailure: Error, CustomStringConvertible {
    /// The exit status (DESIGN.md "Interfaces": 1 runtime failure, 2 usage or bad input).
    var exitStatus: Int32 { get }
}

extension ParsableCommand {
    /// The entry point the three newsclf executables share: picks OpenBLAS's kernels
    /// (``OpenBLASKernelSelection/reexecuteIfNeeded()``), parses, runs (sync or async commands),
    /// and exits with DESIGN.md's codes: 0 success (help included), 1 runtime failure, 2 usage or
    /// bad input. ArgumentParser's own usage errors (`EX_USAGE`, 64) are reported as 2; a
    /// ``CommandLineFailure`` exits with its own status after printing its description.
    public static func runNewsclfCommand() async -> Never {
        OpenBLASKernelSelection.reexecuteIfNeeded()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let failure as any CommandLineFailure {
            fflush(nil)  // what the command printed first, then its failure
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            Foundation.exit(failure.exitStatus)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            fflush(nil)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
