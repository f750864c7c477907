import ArgumentParser
import Foundation
import RecurrentClassifier
import TextPipeline
import Training

/// `newsclf-train`: trains a classifier on AG News and writes a checkpoint the worker serves.
///
/// Exit codes (DESIGN.md "Interfaces"): 0 success (also after SIGINT/SIGTERM, which save a
/// resumable state), 1 runtime failure, 2 usage or bad input.
@main
struct NewsclfTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsclf-train",
        abstract: "Train a news-topic classifier on AG News (CSV or JSONL) and write checkpoints.",
        discussion: """
            Writes DIR/best/ and DIR/last/ (checkpoints), DIR/resume/, DIR/curves.csv, DIR/curves.svg and \
            DIR/metrics.json. Defaults are the reference notebook's best run. SIGINT/SIGTERM save a resumable \
            state; run the same command with --resume DIR to continue.
            """)

    @Option(help: "Training data: AG News CSV or JSONL with a label field (plain or .gz).")
    var train: String
    @Option(help: "Test data, only reported (accuracy; notebook sample accuracy on the AG News test split).")
    var test: String?
    @Option(help: "Output directory (must be empty or absent unless --resume).")
    var out: String?

    @Option(help: "Recurrent cell: gru, lstm or rnn.")
    var cell: ModelConfiguration.Cell = .gru
    @Option(help: "Stacked recurrent layers.")
    var layers = 2
    @Option(help: "Hidden size of each recurrent direction.")
    var hiddenSize = 256
    @Option(help: "Embedding width.")
    var embeddingSize = 256
    @Flag(help: "Run each layer in both directions.")
    var bidirectional = false
    @Option(help: "Pooling over time: mean or max.")
    var pooling: ModelConfiguration.Pooling = .mean
    @Flag(help: "Concatenate the pooled vector with the last step's output.")
    var concatLast = false
    @Option(help: "Dropout of the head.")
    var dropout = 0.1
    @Option(help: "Dropout between recurrent layers.")
    var rnnDropout = 0.0
    @Option(help: "Keep words whose training count is greater than N.")
    var vocabThreshold = 10
    @Option(help: "Text preprocessing: notebook-v1 or normalized-v1.")
    var preprocessing: Preprocessing = .notebookV1
    @Option(help: "Cut items at this many token ids (<bos>/<eos> included).")
    var maxLength = 256
    @Option(help: "Items per optimizer step.")
    var batchSize = 32
    @Option(help: "Passes over the training portion.")
    var epochs = 5
    @Option(help: "Adam learning rate.")
    var learningRate = 1e-3
    @Option(help: "Clip gradients to this global L2 norm (default: no clipping).")
    var clipNorm: Double?
    @Option(help: "Seed of the split, initial weights, shuffles and dropout.")
    var seed: UInt64 = 0
    @Option(help: "OpenBLAS threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Share of each class held out for validation.")
    var validFraction = 0.05
    @Option(help: "Evaluate every this fraction of an epoch.")
    var evalEvery = 0.5
    @Option(help: "Continue the run in DIR (same options as the interrupted run).")
    var resume: String?
    @Option(help: "Start from this checkpoint's weights and vocabulary.")
    var initFrom: String?
    @Option(help: "Use only the first N training rows.")
    var limit: Int?

    var trainingConfiguration: TrainingConfiguration {
        var c = TrainingConfiguration()
        c.cell = cell
        c.numLayers = layers
        c.hiddenSize = hiddenSize
        c.embeddingSize = embeddingSize
        c.bidirectional = bidirectional
        c.pooling = pooling
        c.concatLast = concatLast
        c.dropout = dropout
        c.rnnDropout = rnnDropout
        c.vocabularyThreshold = vocabThreshold
        c.preprocessing = preprocessing
        c.maxLength = maxLength
        c.batchSize = batchSize
        c.epochs = epochs
        c.learningRate = learningRate
        c.clipNorm = clipNorm
        c.seed = seed
        c.validationFraction = validFraction
        c.evaluationInterval = evalEvery
        c.limit = limit
        return c
    }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let resume, let out, URL(fileURLWithPath: resume).standardizedFileURL != URL(fileURLWithPath: out).standardizedFileURL {
            throw ValidationError("--resume \(resume) continues the run in \(resume); --out must be the same directory or left out")
        }
        guard out != nil || resume != nil else { throw ValidationError("--out DIR is required (or --resume DIR)") }
        if resume != nil, initFrom != nil {
            throw ValidationError("--init-from applies to a new run; a resumed run continues from its own state")
        }
    }

    func run() throws {
        guard let directory = resume ?? out else { throw ExitCode(2) }
        BLAS.setThreadCount(threads)
        let options = TrainingRun.Options(
            trainFile: URL(fileURLWithPath: train), testFile: test.map { URL(fileURLWithPath: $0) },
            outputDirectory: URL(fileURLWithPath: directory), configuration: trainingConfiguration, threads: threads,
            resume: resume != nil, initFrom: initFrom.map { URL(fileURLWithPath: $0) })
        let stop = StopRequest()
        let sources = stop.install(signals: [SIGINT, SIGTERM])
        defer { sources.forEach { $0.cancel() } }
        do {
            _ = try TrainingRun(options: options).run(log: ConsoleTrainingLog(), shouldStop: { stop.isRequested })
        } catch {
            FileHandle.standardError.write(Data("newsclf-train: error: \(error)\n".utf8))
            throw ExitCode(error.isBadInput ? 2 : 1)
        }
    }

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

extension ModelConfiguration.Cell: ExpressibleByArgument {}
extension ModelConfiguration.Pooling: ExpressibleByArgument {}
extension Preprocessing: ExpressibleByArgument {}

/// Set from a signal handler, polled by the training loop between steps.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    var isRequested: Bool { lock.withLock { requested } }

    /// Ignores the default action of `signals` and requests a stop when one arrives.
    func install(signals: [Int32]) -> [any DispatchSourceSignal] {
        signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.withLock { requested = true }
            }
            source.resume()
            return source
        }
    }
}
