import Foundation
import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct EvaluationSampleTests {
    private func expectError(
        _ text: String, rowCount: Int? = nil, line: Int?, sourceLocation: SourceLocation = #_sourceLocation,
        _ kind: EvaluationSampleError.Kind
    ) {
        #expect(throws: EvaluationSampleError(file: "idx.txt", line: line, kind: kind), sourceLocation: sourceLocation) {
            try EvaluationSample(data: Data(text.utf8), source: "idx.txt", rowCount: rowCount)
        }
    }

    @Test func readsTheNotebookSampleWithRepeats() throws {
        let items = try Fixtures.testItems.get()
        let sample = try EvaluationSample(contentsOf: Fixtures.evaluationSample, rowCount: items.count)
        let lines = try String(contentsOf: Fixtures.evaluationSample, encoding: .utf8).split(separator: "\n")
        #expect(sample.indices == lines.map { Int($0)! })
        // ../shared/data/ag_news/README.md: 5,000 draws with replacement, 3,608 distinct.
        #expect(sample.indices.count == 5_000)
        #expect(sample.distinctCount == 3_608)
        let selected = try #require(sample.select(from: items))
        #expect(selected.count == 5_000)
        #expect(selected[0] == items[sample.indices[0]])
    }

    @Test func selectRefusesRowsTooFewForTheIndices() {
        #expect(EvaluationSample(indices: [0, 2]).select(from: ["a", "b"]) == nil)
        #expect(EvaluationSample(indices: [1, 1, 0]).select(from: ["a", "b"]) == ["b", "b", "a"])
    }

    @Test func acceptsCRLFAndAMissingFinalLineFeed() throws {
        #expect(try EvaluationSample(data: Data("3\r\n1\r\n3".utf8), source: "idx.txt").indices == [3, 1, 3])
    }

    @Test func refusesANonNumericLine() {
        expectError("1\n2\nx7\n", line: 3, .notAnIndex("x7"))
    }

    @Test func refusesANegativeIndex() {
        expectError("1\n-1\n", line: 2, .notAnIndex("-1"))
    }

    @Test func refusesABlankLine() {
        expectError("1\n\n2\n", line: 2, .notAnIndex(""))
    }

    @Test func refusesAnIndexBeyondTheSplit() {
        expectError("7599\n7600\n", rowCount: 7_600, line: 2, .indexOutOfRange(index: 7_600, rowCount: 7_600))
    }

    @Test func refusesAnEmptyFile() {
        expectError("", line: nil, .empty)
    }
}
