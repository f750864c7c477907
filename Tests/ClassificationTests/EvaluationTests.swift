import Classification
import Foundation
import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct EvaluationTests {
    @Test func accuracyAndConfusion() {
        let evaluation = Evaluation(labels: [0, 1, 1, 2, 3, 3], predictions: [0, 1, 2, 2, 3, 0], classCount: 4)
        #expect(evaluation.count == 6)
        #expect(abs(evaluation.accuracy - 4.0 / 6.0) < 1e-12)
        #expect(evaluation.confusion == [[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
        let table = evaluation.confusionTable(labels: ["World", "Sports", "Business", "Sci/Tech"])
        #expect(table.split(separator: "\n").count == 5)
        #expect(table.contains("0.5000"))
    }

    @Test func sampleAccuracyCountsRepeatedDraws() {
        let evaluation = Evaluation(labels: [0, 1, 2], predictions: [0, 0, 2], classCount: 3)
        #expect(evaluation.accuracy(on: EvaluationSample(indices: [1, 1, 1, 0])) == 0.25)
        #expect(evaluation.accuracy(on: EvaluationSample(indices: [3])) == nil)
    }

    @Test func compiledNotebookSampleEqualsTheShippedFile() throws {
        let root = PackagePaths.root
        let file = try EvaluationSample(contentsOf: root.appendingPathComponent("../shared/data/ag_news/eval_idx_seed42.txt").standardizedFileURL, rowCount: 7600)
        #expect(EvaluationSample.notebook == file)
        #expect(EvaluationSample.notebook.indices.count == 5000)
    }
}
