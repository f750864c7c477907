import Foundation
import TestSupport
import Testing

/// The `newsclf-demo` executable end to end, with the debug-built `newsclf-worker` as its child:
/// a short run on the embedded broker, the same on noida-db when `NEWSCLF_TEST_KAFKA_BOOTSTRAP`
/// names one (scripts/test starts it), and its refusals of bad usage.
@Suite(.serialized, .enabled(if: DemoExecutables.directory != nil, "newsclf-demo and newsclf-worker are not built"))
struct NewsclfDemoTests {
    static let brokerAddress = ProcessInfo.processInfo.environment["NEWSCLF_TEST_KAFKA_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }

    @Test func twoHundredItemsOnTheEmbeddedBrokerEachGetExactlyOneLabel() async throws {
        let run = try await DemoExecutables.run(["--limit", "200", "--examples", "2"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("result: every item got exactly one label (200/200), every malformed message exactly one dead letter (7/7)"))
        #expect(run.output.contains("the worker's label equals its prediction for 200 of 200 items"))
        #expect(run.output.contains("the worker drained and exited 0"))
        #expect(run.output.contains("offsets committed"))
        #expect(run.output.contains("newsclf.error.kind=too_large"))
    }

    @Test(.enabled(if: brokerAddress != nil, "NEWSCLF_TEST_KAFKA_BOOTSTRAP is not set"))
    func oneHundredItemsOnAnExternalBrokerEachGetExactlyOneLabel() async throws {
        let run = try await DemoExecutables.run(
            ["--limit", "100", "--examples", "0", "--bootstrap-servers", Self.brokerAddress ?? ""])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("result: every item got exactly one label (100/100), every malformed message exactly one dead letter (7/7)"))
        #expect(run.output.contains("(external; topics: 3 created, 0 existed)"))
        #expect(run.output.contains("offsets committed"))
    }

    @Test func withoutBadInputNoDeadLettersAreExpected() async throws {
        let run = try await DemoExecutables.run(["--limit", "20", "--no-bad-input", "--examples", "0", "--no-model-check"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("result: every item got exactly one label (20/20)\n") || run.output.hasSuffix("(20/20)\n"))
        #expect(!run.output.contains("dead letters ("))
    }

    @Test func aMissingDataFileIsBadInput() async throws {
        let run = try await DemoExecutables.run(["--data", "/nonexistent/test.csv.gz"])
        #expect(run.status == 2)
        #expect(run.output.contains("cannot read /nonexistent/test.csv.gz"))
    }

    @Test func aZeroLimitIsBadUsage() async throws {
        let run = try await DemoExecutables.run(["--limit", "0"])
        #expect(run.status == 2)
        #expect(run.output.contains("--limit must be at least 1"))
    }

    @Test func aMissingWorkerExecutableIsARuntimeFailure() async throws {
        let run = try await DemoExecutables.run(["--limit", "5", "--worker", "/nonexistent/newsclf-worker"])
        #expect(run.status == 1)
        #expect(run.output.contains("cannot start the worker /nonexistent/newsclf-worker"))
    }
}

/// Where the built executables are, and running the demo with its output captured.
enum DemoExecutables {
    static let directory: URL? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent(), PackagePaths.root.appendingPathComponent(".build/debug")] {
            let names = ["newsclf-demo", "newsclf-worker"]
            if names.allSatisfy({ FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent($0).path) }) {
                return candidate
            }
        }
        return nil
    }()

    /// Runs `newsclf-demo` with `arguments` (plus `--worker` beside it, the shipped model and test
    /// split, and the worker's log in a temporary file removed afterwards), standard output and
    /// error together.
    ///
    /// The wait runs on a thread of its own: blocking a thread of the concurrency pool (two on a
    /// 2-core machine) for the demo's whole run would starve the async tests running beside it.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let directory = try #require(directory)
        let process = Process()
        process.executableURL = directory.appendingPathComponent("newsclf-demo")
        var defaults = [
            "--model", PackagePaths.root.appendingPathComponent("models/agnews-gru").path,
            "--data", PackagePaths.root.appendingPathComponent("data/ag_news/test.csv.gz").path,
            "--worker", directory.appendingPathComponent("newsclf-worker").path, "--timeout", "120",
        ]
        if arguments.contains("--data") { defaults.removeSubrange(2..<4) }
        if arguments.contains("--worker") { defaults.removeSubrange((defaults.count - 4)..<(defaults.count - 2)) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("newsclf-demo-test-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        process.arguments = defaults + ["--worker-log", log.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return await withCheckedContinuation { continuation in
            Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }.start()
        }
    }
}
