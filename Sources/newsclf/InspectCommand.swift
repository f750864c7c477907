import ArgumentParser
import Checkpoint
import Foundation

/// `newsclf inspect DIR`: a checkpoint's configuration, tensor sizes and digest.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print a checkpoint's configuration, tensor sizes and digest.")

    @Argument(help: "The checkpoint directory (config.json, model.safetensors, vocab.txt, metrics.json).")
    var directory: String

    func run() throws {
        do {
            let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: directory))
            print(checkpoint.summary(), terminator: "")
        } catch {
            throw CommandFailure.badInput(error.description)
        }
    }
}
