import ArgumentParser
import CommandLineSupport
import ComputeRuntime
import Foundation
import RecurrentNetwork
import TextPipeline
import Synchronization
import Training
import UnixSignals

/// `newsclf-train`: trains a classifier on AG News and writes a checkpoint the worker serves.
///
/// Exit codes (DESIGN.md "Interfaces"): 0 success (also after SIGINT/SIGTERM, which save a
/// resumable state), 1 runtime failure, 2 usage or bad input.
@main
struct NewsclfTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsclf-train",
        abstract: "Train a news-topic classifier on AG News (CSV or JSONL) and write checkpoints.",
        discussion: """
            Writes DIR/best/ and DIR/last/ (checkpoints), DIR/resume/, DIR/curves.csv, DIR/curves.svg and \
            DIR/metrics.json. Defaults are the reference notebook's best run. SIGINT/SIGTERM save a resumable \
            state; run the same command with --resume DIR to continue.
            """)

    @Option(help: .init("AG News CSV, or JSONL with a label (plain or .gz).", valueName: "path"))
    var train: String
    @Option(help: .init("Test data (CSV or JSONL), reported only.", valueName: "path"))
    var test: String?
    @Option(help: .init("Output directory (absent or empty unless resuming).", valueName: "dir"))
    var out: String?

    @Option(help: .init("Recurrent cell (default gru).", valueName: "cell"))
    var cell: ModelArchitecture.Cell?
    @Option(help: .init("Stacked recurrent layers (default 2).", valueName: "n"))
    var layers: Int?
    @Option(help: .init("Hidden size of each direction (default 256).", valueName: "n"))
    var hiddenSize: Int?
    @Option(help: .init("Embedding width (default 256).", valueName: "n"))
    var embeddingSize: Int?
    @Flag(help: "Run each layer in both directions.")
    var bidirectional = false
    @Option(help: .init("Pooling over time (default mean).", valueName: "kind"))
    var pooling: ModelArchitecture.Pooling?
    @Flag(help: "Concatenate the last step's output to the pooled one.")
    var concatLast = false
    @Option(help: .init("Dropout of the head (default 0.1).", valueName: "p"))
    var dropout: Double?
    @Option(help: .init("Dropout between recurrent layers (default 0).", valueName: "p"))
    var rnnDropout: Double?
    @Option(help: .init("Keep words whose training count is > n (default 10).", valueName: "n"))
    var vocabThreshold: Int?
    @Option(help: .init("notebook-v1 or normalized-v1 (default notebook-v1).", valueName: "id"))
    var preprocessing: String?
    @Option(help: .init("Cut items at n ids incl. <bos>/<eos> (default 256).", valueName: "n"))
    var maxLength: Int?
    @Option(help: .init("Items per optimizer step (default 32).", valueName: "n"))
    var batchSize: Int?
    @Option(help: .init("Passes over the training portion (default 5).", valueName: "n"))
    var epochs: Int?
    @Option(help: .init("Adam learning rate (default 0.001).", valueName: "lr"))
    var learningRate: Double?
    @Option(help: .init("Multiply the learning rate by g after each epoch (default 1).", valueName: "g"))
    var lrDecay: Double?
    @Option(help: .init("Clip gradients to this global L2 norm (default: none).", valueName: "norm"))
    var clipNorm: Double?
    @Option(help: .init("Seed of split, weights, shuffles, dropout (default 0).", valueName: "n"))
    var seed: UInt64?
    @Option(help: .init("OpenBLAS threads (default: all cores).", valueName: "n"))
    var threads: Int?
    @Option(help: .init("Class share held out for validation (default 0.05).", valueName: "f"))
    var validFraction: Double?
    @Option(help: .init("Evaluate every f of an epoch (default 0.5).", valueName: "f"))
    var evalEvery: Double?
    @Option(help: .init("Continue the run in dir (options default to saved).", valueName: "dir"))
    var resume: String?
    @Option(help: .init("Start from this checkpoint's weights, vocabulary, recipe.", valueName: "dir"))
    var initFrom: String?
    @Option(help: .init("Use only the first n training rows.", valueName: "n"))
    var limit: Int?

    /// The configuration: the options given, over `base` (the defaults, or a resumed run's).
    func trainingConfiguration(over base: TrainingConfiguration) -> TrainingConfiguration {
        var c = base
        if let cell { c.cell = cell }
        if let layers { c.numLayers = layers }
        if let hiddenSize { c.hiddenSize = hiddenSize }
        if let embeddingSize { c.embeddingSize = embeddingSize }
        if bidirectional { c.bidirectional = true }
        if let pooling { c.pooling = pooling }
        if concatLast { c.concatLast = true }
        if let dropout { c.dropout = dropout }
        if let rnnDropout { c.rnnDropout = rnnDropout }
        if let vocabThreshold { c.vocabularyThreshold = vocabThreshold }
        if let preprocessing, let known = Preprocessing(rawValue: preprocessing) { c.preprocessing = known }
        if let maxLength { c.maxLength = maxLength }
        if let batchSize { c.batchSize = batchSize }
        if let epochs { c.epochs = epochs }
        if let learningRate { c.learningRate = learningRate }
        if let lrDecay { c.learningRateDecay = lrDecay }
        if let clipNorm { c.clipNorm = clipNorm }
        if let seed { c.seed = seed }
        if let validFraction { c.validationFraction = validFraction }
        if let evalEvery { c.evaluationInterval = evalEvery }
        if let limit { c.limit = limit }
        return c
    }

    func validate() throws {
        if let preprocessing, Preprocessing(rawValue: preprocessing) == nil {
            throw ValidationError("--preprocessing must be notebook-v1 or normalized-v1, not \(preprocessing)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let resume, let out, URL(fileURLWithPath: resume).standardizedFileURL != URL(fileURLWithPath: out).standardizedFileURL {
            throw ValidationError("--resume \(resume) continues the run in \(resume); --out must be the same directory or left out")
        }
        guard out != nil || resume != nil else { throw ValidationError("--out DIR is required (or --resume DIR)") }
        if resume != nil, initFrom != nil {
            throw ValidationError("--init-from applies to a new run; a resumed run continues from its own state")
        }
    }

    func run() async throws {
        guard let directory = resume ?? out else { throw ExitCode(2) }
        let stop = await StopRequest(trapping: [.sigint, .sigterm])
        defer { stop.cancel() }
        do {
            var base = TrainingConfiguration()
            var threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
            if let resume {
                let saved = try ResumeState.saved(in: URL(fileURLWithPath: resume))
                base = saved.configuration
                threadCount = threads ?? saved.threads
            } else if let initFrom {
                base = try TrainingConfiguration.warmStart(from: URL(fileURLWithPath: initFrom))
            }
            BLAS.setThreadCount(threadCount)
            let options = TrainingRun.Options(
                trainFile: URL(fileURLWithPath: train), testFile: test.map { URL(fileURLWithPath: $0) },
                outputDirectory: URL(fileURLWithPath: directory), configuration: trainingConfiguration(over: base),
                threads: threadCount, resume: resume != nil, initFrom: initFrom.map { URL(fileURLWithPath: $0) })
            // On a thread of its own: the training's synchronous numerics would hold a thread of
            // the concurrency pool, which the signal sequence needs, for the whole run.
            try await Self.onOwnThread { () throws(TrainingError) in
                _ = try TrainingRun(options: options).run(log: ConsoleTrainingLog(), shouldStop: { stop.isRequested })
            }
        } catch {
            FileHandle.standardError.write(Data("newsclf-train: error: \(error)\n".utf8))
            throw ExitCode(error.isBadInput ? 2 : 1)
        }
    }

    static func main() async {
        await runNewsclfCommand()
    }
}

extension ModelArchitecture.Cell: ExpressibleByArgument {}
extension ModelArchitecture.Pooling: ExpressibleByArgument {}

extension NewsclfTrain {
    /// Runs `body` on a new thread (8 MiB of stack) and returns once it did, throwing what it threw.
    static func onOwnThread<E: Error>(_ body: @escaping @Sendable () throws(E) -> Void) async throws(E) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, E>, Never>) in
            let thread = Thread {
                do throws(E) {
                    try body()
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        try result.get()
    }
}

/// Set when one of the trapped signals arrives (`UnixSignalsSequence`), polled by the training
/// loop between steps.
final class StopRequest: Sendable {
    private final class Flag: Sendable {
        let value = Atomic(false)
    }

    private let flag: Flag
    private let watcher: Task<Void, Never>

    /// Traps `signals` from now on (their default action, ending the process, no longer
    /// applies) until ``cancel()``.
    init(trapping signals: [UnixSignal]) async {
        let sequence = await UnixSignalsSequence(trapping: signals)
        let flag = Flag()
        self.flag = flag
        watcher = Task {
            for await _ in sequence { flag.value.store(true, ordering: .releasing) }
        }
    }

    /// Whether a trapped signal arrived.
    var isRequested: Bool { flag.value.load(ordering: .acquiring) }

    /// Stops watching the signals.
    func cancel() {
        watcher.cancel()
    }
}
