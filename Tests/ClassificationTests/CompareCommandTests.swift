import Foundation
import TestSupport
import Testing
import TextPipeline

/// `newsclf compare` as a process: the exit codes (0 promote, 3 refuse, 2 bad input), the text
/// report and the `--json` keys. Needs the built `newsclf` (`swift build --build-tests` builds it).
@Suite(.onNumericsThreads, .enabled(if: NewsclfExecutable.url != nil, "newsclf is not built"))
struct CompareCommandTests {
    static let shipped = PackagePaths.shippedModel.path
    static let notebook = PackagePaths.inShared("models/notebook-gru-partial").standardizedFileURL.path

    /// The first 200 test items as JSONL with `label` names (the JSONL reader's path).
    static let evalFile: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("newsclf-compare-eval-\(UUID().uuidString.prefix(8)).jsonl")
        let names = ["World", "Sports", "Business", "Sci/Tech"]
        let items = (try? AGNewsReader.read(contentsOf: PackagePaths.inShared("data/ag_news/test.csv.gz")).prefix(200)) ?? []
        let lines = items.compactMap { item -> String? in
            guard let data = try? JSONSerialization.data(withJSONObject: ["text": item.text, "label": names[item.label]]) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
        try? Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = NewsclfExecutable.url  // the suite runs only when it is built
        process.arguments = ["compare", "--threads", "1"] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Standard error is short; read standard output to its end first so the child never blocks.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    @Test func theShippedModelAgainstItselfPromotesWithExitZero() throws {
        let result = try run(["--candidate", Self.shipped, "--current", Self.shipped, "--eval", Self.evalFile.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("agreement: 1.0000 (200 of 200 items predicted alike)"), "\(result.stdout)")
        #expect(result.stdout.contains("b = 0 (current right, candidate wrong), c = 0"))
        #expect(result.stdout.contains("test: McNemar's exact test, one-sided"))
        #expect(result.stdout.contains("items where the predictions differ: 0"))
        #expect(result.stdout.contains("verdict: promote: "))
    }

    @Test func jsonReportHasTheStableKeys() throws {
        // --current left out: the shipped model, found from the executable's checkout.
        let result = try run(["--candidate", Self.shipped, "--eval", Self.evalFile.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == [
            "time", "current_digest", "candidate_digest", "current_accuracy", "candidate_accuracy", "p_value", "verdict",
            "reason", "per_label_recall", "agreement", "b", "c", "n", "alpha", "tolerance_points", "policy",
        ])
        #expect(object["verdict"] as? String == "promote")
        #expect(object["n"] as? Int == 200)
        #expect(object["b"] as? Int == 0 && object["c"] as? Int == 0)
        #expect(object["p_value"] as? Double == 1)
        #expect(object["alpha"] as? Double == 0.05 && object["tolerance_points"] as? Double == 0.3)
        #expect((object["current_digest"] as? String)?.hasPrefix("sha256:") == true)
        #expect(object["current_digest"] as? String == object["candidate_digest"] as? String)
        let recall = try #require(object["per_label_recall"] as? [[String: Any]])
        #expect(recall.map { $0["label"] as? String } == ["World", "Sports", "Business", "Sci/Tech"])
        #expect(recall.allSatisfy { Set($0.keys) == ["label", "count", "current", "candidate"] })
        // Whole seconds in UTC.
        #expect((object["time"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
        // Keys sorted in the text.
        #expect(result.stdout.range(of: "\"agreement\"")!.lowerBound < result.stdout.range(of: "\"verdict\"")!.lowerBound)
    }

    /// With no tolerance, the less accurate of the shipped and notebook models is refused as the
    /// candidate (exit 3, the reason on standard error) and the other promoted.
    @Test func aRefusalExitsWithThree() throws {
        var statuses: [Int32] = []
        for (current, candidate) in [(Self.shipped, Self.notebook), (Self.notebook, Self.shipped)] {
            let result = try run(["--candidate", candidate, "--current", current, "--eval", Self.evalFile.path, "--tolerance", "0", "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
            let verdict = try #require(object["verdict"] as? String)
            #expect(result.status == (verdict == "promote" ? 0 : 3), "\(result.stderr)")
            if verdict == "refuse" { #expect(result.stderr.hasPrefix("newsclf: refused: candidate accuracy")) }
            statuses.append(result.status)
            if object["current_accuracy"] as? Double == object["candidate_accuracy"] as? Double { return }
        }
        #expect(statuses.sorted() == [0, 3])
    }

    @Test func aCandidateWithOtherLabelsIsBadInputNamingBothLists() throws {
        let directory = try CompareFixtures.copyOfShippedModel(labels: ["Sports", "World", "Business", "Sci/Tech"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(["--candidate", directory.path, "--current", Self.shipped, "--eval", Self.evalFile.path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(directory.path))
        #expect(result.stderr.contains(#"the candidate's labels ["Sports", "World", "Business", "Sci/Tech"] do not match the current model's ["World", "Sports", "Business", "Sci/Tech"]"#), "\(result.stderr)")
    }

    @Test func aCorruptCandidateIsBadInput() throws {
        let directory = try CompareFixtures.copyOfShippedModel(truncatingWeights: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(["--candidate", directory.path, "--current", Self.shipped, "--eval", Self.evalFile.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("candidate model \(directory.path)"), "\(result.stderr)")
        #expect(result.stderr.contains("model.safetensors"))
    }

    @Test func aCorruptOrMissingDataFileIsBadInput() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("newsclf-compare-bad-\(UUID().uuidString.prefix(8)).csv.gz")
        try Data("not gzip".utf8).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        for path in [bad.path, "/nonexistent/eval.csv"] {
            let result = try run(["--candidate", Self.shipped, "--current", Self.shipped, "--eval", path])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains(path))
        }
        let usage = try run(["--candidate", Self.shipped, "--eval", bad.path, "--alpha", "1.5"])
        #expect(usage.status == 2)
    }
}

/// The built `newsclf`, beside the test bundle or in `.build/debug`; `nil` when it is not built.
enum NewsclfExecutable {
    static let url: URL? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [beside, beside.deletingLastPathComponent(), PackagePaths.root.appendingPathComponent(".build/debug")] {
            let candidate = directory.appendingPathComponent("newsclf")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()
}
