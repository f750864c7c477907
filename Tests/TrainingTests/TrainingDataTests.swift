import Foundation
import TestSupport
import Testing
import TextPipeline
@testable import Training

@Suite(.onNumericsThreads) struct TrainingDataTests {
    let labels = TrainingConfiguration().labels

    @Test func readsJSONLWithLabelNamesAndIds() throws {
        let file = TrainingFixtures.file("names.jsonl", """
            {"id": "a", "text": "Stocks fall", "label": "Business"}

            {"title": "Cup final", "description": "won 2-1", "label": 1}
            """)
        let data = try TrainingData(contentsOf: file, labels: labels)
        #expect(data.items == [NewsItem(text: "Stocks fall", label: 2), NewsItem(text: "Cup final won 2-1", label: 1)])
        #expect(!data.isAGNewsTestSplit)
    }

    @Test func readsGzipCSVAndAppliesTheLimit() throws {
        let url = TrainingFixtures.agNews.appendingPathComponent("test.csv.gz")
        let all = try AGNewsReader.read(contentsOf: url)
        let data = try TrainingData(contentsOf: url, labels: labels, limit: 10)
        #expect(data.items == Array(all.prefix(10)))
        #expect(data.fileDigest.hasPrefix("sha256:"))
    }

    @Test func recognisesTheAGNewsTestSplit() throws {
        let data = try TrainingData(contentsOf: TrainingFixtures.agNews.appendingPathComponent("test.csv.gz"), labels: labels)
        #expect(data.items.count == 7600)
        #expect(data.isAGNewsTestSplit)
    }

    @Test func labelIdOutsideTheClassesIsRefused() {
        let file = TrainingFixtures.file("id.jsonl", "{\"text\": \"a\", \"label\": 4}\n")
        #expect(throws: TrainingError(.unknownLabel(InputLocation(file: file.path, line: 1), label: "4"))) {
            try TrainingData(contentsOf: file, labels: labels)
        }
    }

    @Test func missingLabelIsRefused() {
        let file = TrainingFixtures.file("nolabel.jsonl", "{\"text\": \"a\"}\n")
        #expect(throws: TrainingError.self) { try TrainingData(contentsOf: file, labels: labels) }
    }

    @Test func aFileNamedGzipThatIsNotIsRefused() {
        let file = TrainingFixtures.file("plain.csv.gz", #""1","a","b"\#n"#)
        #expect(throws: TrainingError(.unreadableData("\(file.path): \(GzipError(.notGzip))"))) {
            try TrainingData(contentsOf: file, labels: labels)
        }
    }

    @Test func labelOfAnotherTypeIsRefused() {
        let file = TrainingFixtures.file("boollabel.jsonl", "{\"text\": \"a\", \"label\": true}\n")
        #expect(throws: TrainingError(.unreadableData(
            "\(file.path):1: field 'label' is a boolean, expected a class name or a 0-based id"))) {
            try TrainingData(contentsOf: file, labels: labels)
        }
    }

    @Test func jsonlRowWithoutTextIsRefusedWithItsLine() {
        let file = TrainingFixtures.file("notext.jsonl", "{\"text\": \"a\", \"label\": 0}\n{\"label\": 0}\n")
        do {
            _ = try TrainingData(contentsOf: file, labels: labels)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("\(file.path):2: missing_text"))
        }
    }

    @Test func csvClassBeyondTheLabelsIsRefused() {
        let file = TrainingFixtures.file("three.csv", "\"1\",\"a\",\"b\"\n\"4\",\"c\",\"d\"\n")
        #expect(throws: TrainingError(.unknownLabel(InputLocation(file: file.path, line: 2), label: "4"))) {
            try TrainingData(contentsOf: file, labels: ["World", "Sports", "Business"])
        }
    }
}
