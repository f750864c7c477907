import Classification
import Foundation
import TestSupport
import Testing
import TextPipeline

/// Paired predictions: the counts on a hand-made case, the input errors, and real checkpoints —
/// the shipped model against itself and against the notebook's PyTorch-trained model (another
/// vocabulary, depth and padding), a candidate with other labels, a corrupt candidate.
@Suite(.onNumericsThreads) struct ModelComparisonTests {
    static let shipped = PackagePaths.shippedModel
    static let notebook = PackagePaths.inShared("models/notebook-gru-partial").standardizedFileURL
    static let testSplit = PackagePaths.inShared("data/ag_news/test.csv.gz")

    static func firstTestItems(_ count: Int) throws -> [NewsItem] {
        Array(try AGNewsReader.read(contentsOf: testSplit).prefix(count))
    }

    @Test func countsOnAHandMadeCase() throws {
        // item:     0  1  2  3  4  5  6  7
        let labels = [0, 0, 1, 1, 2, 2, 2, 1]
        let current = [0, 0, 1, 0, 2, 1, 0, 2]
        let candidate = [0, 1, 1, 1, 2, 1, 1, 0]
        let comparison = try ModelComparison(labels: labels, current: current, candidate: candidate, labelNames: ["A", "B", "C", "D"])
        #expect(comparison.count == 8)
        #expect(comparison.currentCorrect == 4)  // items 0 1 2 4
        #expect(comparison.candidateCorrect == 4)  // items 0 2 3 4
        #expect(comparison.b == 1)  // item 1: current right, candidate wrong
        #expect(comparison.c == 1)  // item 3: candidate right, current wrong
        #expect(comparison.agreeing == 4)  // items 0 2 4 5
        #expect(comparison.agreement == 0.5)
        #expect(comparison.differences.map(\.item) == [1, 3, 6, 7])
        #expect(comparison.differences[2] == .init(item: 6, label: 2, current: 0, candidate: 1))
        #expect(comparison.recall.map(\.count) == [2, 3, 3, 0])
        #expect(comparison.recall[0].current == 1.0 && comparison.recall[0].candidate == 0.5)
        #expect(comparison.recall[3].current == nil && comparison.recall[3].candidate == nil)
        #expect(comparison.mcNemar.pValue == 0.75)
    }

    @Test func inputErrorsAreNamed() {
        #expect(throws: ComparisonError(.empty)) {
            try ModelComparison(labels: [], current: [], candidate: [], labelNames: ["A"])
        }
        #expect(throws: ComparisonError(.countMismatch(labels: 2, current: 2, candidate: 1))) {
            try ModelComparison(labels: [0, 0], current: [0, 0], candidate: [0], labelNames: ["A"])
        }
        #expect(throws: ComparisonError(.classOutOfRange(item: 1, value: 2, classCount: 2))) {
            try ModelComparison(labels: [0, 1], current: [0, 1], candidate: [0, 2], labelNames: ["A", "B"])
        }
        let mismatch = ComparisonError(.labelMismatch(current: ["World", "Sports"], candidate: ["Sports", "World"]))
        #expect(mismatch.description.contains(#"["Sports", "World"]"#) && mismatch.description.contains(#"["World", "Sports"]"#))
    }

    @Test func theShippedModelAgainstItselfAgreesFullyAndPromotes() throws {
        let model = try TextClassifier(directory: Self.shipped)
        let items = try Self.firstTestItems(300)
        let comparison = try ModelComparison.compare(current: model, candidate: model, items: items)
        #expect(comparison.count == 300)
        #expect(comparison.agreement == 1.0)
        #expect(comparison.b == 0 && comparison.c == 0)
        #expect(comparison.differences.isEmpty)
        #expect(comparison.currentAccuracy == comparison.candidateAccuracy)
        #expect(comparison.currentAccuracy > 0.8)
        let decision = PromotionPolicy.standard.decide(comparison)
        #expect(decision.verdict == .promote)
        #expect(decision.pValue == 1)
        let json = try JSONSerialization.jsonObject(
            with: ComparisonReport(comparison: comparison, decision: decision, currentDigest: model.digest, candidateDigest: model.digest).jsonData())
        let report = try #require(json as? [String: Any])
        #expect(report["verdict"] as? String == "promote")
        #expect(report["agreement"] as? Double == 1.0)
        #expect(report["candidate_digest"] as? String == model.digest)
    }

    /// The notebook's model (PyTorch, 2 layers, its own 12,351-token vocabulary, notebook
    /// padding) against the shipped one on 300 test items: each encodes with its own vocabulary
    /// (the same texts give other ids), the counts are consistent, and the verdict follows the
    /// accuracies and the p-value as the policy says.
    @Test func theNotebookModelAgainstTheShippedOneIsJudgedByThePolicy() throws {
        let current = try TextClassifier(directory: Self.shipped)
        let candidate = try TextClassifier(directory: Self.notebook)
        #expect(current.labels == candidate.labels)
        let items = try Self.firstTestItems(300)
        #expect(current.encode(items[0].text).ids != candidate.encode(items[0].text).ids)
        let comparison = try ModelComparison.compare(current: current, candidate: candidate, items: items, batchSize: 32)
        // Each model's accuracy is its own classification of the items.
        let alone = try candidate.classify(texts: items.map(\.text), batchSize: 32)
        let candidateRight = zip(alone, items).filter { $0.labelID == $1.label }.count
        #expect(comparison.candidateCorrect == candidateRight)
        #expect(comparison.candidateCorrect - comparison.currentCorrect == comparison.c - comparison.b)
        #expect(comparison.agreement < 1 && comparison.agreement > 0.8)
        #expect(comparison.differences.count == comparison.count - comparison.agreeing)
        #expect(comparison.differences.count >= comparison.b + comparison.c)

        let policy = PromotionPolicy.standard
        let decision = policy.decide(comparison)
        let withinTolerance = comparison.accuracyDifferencePoints >= -policy.tolerancePoints
        let significant = McNemarExactTest(b: comparison.b, c: comparison.c).pValue < policy.alpha
        #expect(decision.verdict == (withinTolerance && !significant ? .promote : .refuse), "\(decision.reason)")
        // With no tolerance, of two models with different accuracies exactly one direction promotes.
        let strict = PromotionPolicy(tolerancePoints: 0, alpha: 0.05)
        let reverse = try ModelComparison.compare(current: candidate, candidate: current, items: items, batchSize: 32)
        #expect(reverse.b == comparison.c && reverse.c == comparison.b)
        if comparison.currentCorrect != comparison.candidateCorrect {
            #expect(Set([strict.decide(comparison).verdict, strict.decide(reverse).verdict]) == [.promote, .refuse])
        }
    }

    @Test func aCandidateWithRenamedOrReorderedLabelsIsRefusedNamingBothLists() throws {
        let current = try TextClassifier(directory: Self.shipped)
        for labels in [["World", "Sports", "Business", "Science"], ["Sports", "World", "Business", "Sci/Tech"]] {
            let directory = try CompareFixtures.copyOfShippedModel(labels: labels)
            defer { try? FileManager.default.removeItem(at: directory) }
            let candidate = try TextClassifier(directory: directory)
            #expect(candidate.labels == labels)
            let error = try #require(throws: ComparisonError.self) {
                try ModelComparison.compare(current: current, candidate: candidate, items: try Self.firstTestItems(5))
            }
            #expect(error == ComparisonError(.labelMismatch(current: current.labels, candidate: labels)))
            #expect(error.description.contains(#"["World", "Sports", "Business", "Sci/Tech"]"#))
            #expect(error.description.contains("[" + labels.map { "\"\($0)\"" }.joined(separator: ", ") + "]"))
        }
    }

    @Test func aTruncatedCandidateDoesNotLoad() throws {
        let directory = try CompareFixtures.copyOfShippedModel(truncatingWeights: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(throws: ClassifierError.self) { try TextClassifier(directory: directory) }
        guard case .invalidCheckpoint(let message) = error else {
            Issue.record("expected invalidCheckpoint, got \(error)")
            return
        }
        #expect(message.contains("model.safetensors"), "\(message)")
    }
}

/// Candidate checkpoints made for the comparison tests in a temporary directory.
enum CompareFixtures {
    /// A copy of the shipped model, with `labels` in its config.json and/or its
    /// `model.safetensors` cut to half its size.
    static func copyOfShippedModel(labels: [String]? = nil, truncatingWeights: Bool = false) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("newsclf-compare-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: PackagePaths.shippedModel, to: directory)
        if let labels {
            let url = directory.appendingPathComponent("config.json")
            guard var configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
            }
            configuration["labels"] = labels
            try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        }
        if truncatingWeights {
            let url = directory.appendingPathComponent("model.safetensors")
            let data = try Data(contentsOf: url)
            try data.prefix(data.count / 2).write(to: url)
        }
        return directory
    }
}
