import Foundation
import TestSupport
import Testing

/// `newsclf eval` as a process on labelled JSONL, and its `--target-accuracy` threshold used as
/// `newsclf classify --abstain-below`: the threshold is printed exactly, so the same items are
/// answered (a fresh-user check found the six-digit rounding answered one item fewer).
@Suite(.onNumericsThreads, .enabled(if: NewsclfExecutable.url != nil, "newsclf is not built"))
struct EvalCommandTests {
    func run(_ arguments: [String]) throws -> CompareCommandTests.Result {
        let process = Process()
        process.executableURL = NewsclfExecutable.url
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return .init(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    @Test func theTargetAccuracyThresholdAnswersThePrintedItemsInClassify() throws {
        let file = CompareCommandTests.evalFile.path
        let eval = try run(["eval", "--threads", "1", "--test", file, "--target-accuracy", "0.95"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("items: 200"), "labelled JSONL is read: \(eval.stdout)")
        let line = try #require(eval.stdout.split(separator: "\n").first { $0.hasPrefix("target accuracy 0.9500: threshold ") })
        let words = line.split(separator: " ")
        let threshold = String(try #require(words.firstIndex(of: "threshold").map { words[$0 + 1] }))
        let answered = try #require(line.firstRange(of: "of 200 items").map { line[..<$0.lowerBound] }?.split(separator: "(").last)
        let answeredCount = try #require(Int(answered.trimmingCharacters(in: .whitespaces)))
        #expect(answeredCount > 0 && answeredCount < 200, "\(line)")

        let classify = try run(["classify", "--threads", "1", "--file", file, "--abstain-below", threshold])
        #expect(classify.status == 0, "\(classify.stderr)")
        let outputs = classify.stdout.split(separator: "\n")
        #expect(outputs.count == 200)
        #expect(outputs.filter { !$0.contains(#""abstained":true"#) }.count == answeredCount, "threshold \(threshold)")
    }

    @Test func aJSONLLabelTheModelLacksIsBadInput() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("newsclf-eval-bad-\(UUID().uuidString.prefix(8)).jsonl")
        try Data(#"{"text": "Stocks fell", "label": "Finance"}"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try run(["eval", "--test", url.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Finance") && result.stderr.contains(url.path), "\(result.stderr)")
    }

    @Test func aPlotsPathThatIsAFileIsBadInputBeforeTheEvaluation() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("newsclf-eval-plots-\(UUID().uuidString.prefix(8))")
        try Data("not a directory".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try run(["eval", "--test", CompareCommandTests.evalFile.path, "--plots", url.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--plots \(url.path): is a file, not a directory"), "\(result.stderr)")
        #expect(!result.stdout.contains("accuracy:"), "refused before evaluating")
        let empty = try run(["eval", "--test", CompareCommandTests.evalFile.path, "--plots", ""])
        #expect(empty.status == 2)
    }
}
