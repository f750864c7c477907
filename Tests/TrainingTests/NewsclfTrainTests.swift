import Foundation
import TestSupport
import Testing

/// The `newsclf-train` executable: exit codes and signal handling (the training itself is tested
/// through ``TrainingRun``).
@Suite(.onNumericsThreads) struct NewsclfTrainTests {
    /// The built executable, next to the test bundle.
    static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("newsclf-train").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("newsclf-train")
    }()

    static let tiny = [
        "--train", TrainingFixtures.agNews.appendingPathComponent("train-partial.csv.gz").path, "--limit", "1500",
        "--hidden-size", "16", "--embedding-size", "16", "--layers", "1", "--epochs", "2", "--threads", "1",
    ]

    func launch(_ arguments: [String]) throws -> (process: Process, stderr: Pipe) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, stderr)
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let (process, stderr) = try launch(arguments)
        let output = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func missingTrainingFileExitsWithTwo() throws {
        let out = TrainingFixtures.outputDirectory()
        let result = try run(["--train", "/nonexistent/train.csv", "--out", out.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/train.csv"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func unknownCellExitsWithTwo() throws {
        let result = try run(Self.tiny + ["--out", TrainingFixtures.outputDirectory().path, "--cell", "transformer"])
        #expect(result.status == 2)
    }

    @Test func sigintSavesAResumableStateAndExitsZero() throws {
        let interrupted = TrainingFixtures.outputDirectory("interrupted")
        let (process, stderr) = try launch(Self.tiny + ["--out", interrupted.path])
        // Wait for the first evaluation's resume state, then interrupt.
        let state = interrupted.appendingPathComponent("resume/state.json")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: state.path) && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(process.isRunning, "the run ended before it could be interrupted")
        process.interrupt()
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(log.contains("--resume"))

        let resumed = try run(Self.tiny + ["--resume", interrupted.path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let straight = TrainingFixtures.outputDirectory("straight")
        #expect(try run(Self.tiny + ["--out", straight.path]).status == 0)
        let a = TrainingFixtures.bytes(interrupted.appendingPathComponent("last/model.safetensors"))
        #expect(a != nil)
        #expect(a == TrainingFixtures.bytes(straight.appendingPathComponent("last/model.safetensors")))
    }
}
