import ArgumentParser
import Checkpoint
import Classification
import ComputeRuntime
import Foundation

/// `--model` and `--threads`, shared by the commands that load a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Checkpoint directory (default: the shipped agnews-gru model).")
    var model: String?

    @Option(help: "Threads for inference, 1...256; the default is the CPU count.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        // The worker's `inference_threads` range.
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256, got \(threads)") }
    }

    /// Loads the classifier, mapping failures to exit code 2 (bad input).
    func loadClassifier() throws -> TextClassifier {
        do {
            let directory = try model.map { URL(fileURLWithPath: $0) } ?? ShippedModel.directory()
            if threads > 1 { BLAS.setThreadCount(1) }
            return try TextClassifier(directory: directory, options: .init(threadCount: threads))
        } catch {
            throw CommandFailure.badInput("\(error)")
        }
    }
}
