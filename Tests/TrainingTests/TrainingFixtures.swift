import Foundation
import TestSupport
import TextPipeline
@testable import Training

/// Small data files cut from the shared AG News files, and a tiny configuration, so that a whole
/// training run takes well under a second.
enum TrainingFixtures {
    /// `../shared/data/ag_news` next to the package root.
    static let agNews = PackagePaths.inShared("data/ag_news")

    /// A fresh temporary directory for this process's fixtures.
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("newsclf-training-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// The first `count` lines of a gzip-compressed AG News CSV, written as a plain CSV file.
    static func head(of name: String, lines count: Int, as fileName: String) -> URL {
        let url = directory.appendingPathComponent(fileName)
        if !FileManager.default.fileExists(atPath: url.path) {
            let data = try! Gzip.decompress(Data(contentsOf: agNews.appendingPathComponent(name)))
            var end = data.startIndex
            var lines = 0
            while lines < count, let newline = data[end...].firstIndex(of: UInt8(ascii: "\n")) {
                end = newline + 1
                lines += 1
            }
            try! data[data.startIndex..<end].write(to: url, options: .atomic)
        }
        return url
    }

    /// 400 training rows (the first of `train-partial.csv.gz`).
    static let trainFile = head(of: "train-partial.csv.gz", lines: 400, as: "train-400.csv")
    /// 120 test rows (the first of `test.csv.gz`).
    static let testFile = head(of: "test.csv.gz", lines: 120, as: "test-120.csv")

    /// A new, not yet existing output directory.
    static func outputDirectory(_ name: String = #function) -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = directory.appendingPathComponent("\(safe)-\(UUID().uuidString)")
        return url
    }

    /// H = E = 16, one layer, one epoch, vocabulary threshold 2, 10 % validation; the notebook's
    /// defaults otherwise.
    static var configuration: TrainingConfiguration {
        var c = TrainingConfiguration()
        c.hiddenSize = 16
        c.embeddingSize = 16
        c.numLayers = 1
        c.epochs = 1
        c.vocabularyThreshold = 2
        c.validationFraction = 0.1
        return c
    }

    /// Writes `text` to a fixture file.
    static func file(_ name: String, _ text: String) -> URL {
        let url = directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try! Data(text.utf8).write(to: url)
        return url
    }

    /// Runs a training and returns its outcome.
    static func run(
        _ configuration: TrainingConfiguration = configuration, train: URL = trainFile, test: URL? = testFile,
        out: URL, resume: Bool = false, initFrom: URL? = nil, shouldStop: () -> Bool = { false }
    ) throws(TrainingError) -> TrainingRun.Outcome {
        let options = TrainingRun.Options(
            trainFile: train, testFile: test, outputDirectory: out, configuration: configuration, threads: 1,
            resume: resume, initFrom: initFrom)
        return try TrainingRun(options: options).run(log: SilentTrainingLog(), shouldStop: shouldStop)
    }

    static func bytes(_ url: URL) -> Data? { try? Data(contentsOf: url) }
}
