import Foundation
import TestSupport
import TextPipeline

/// The shared reference data (`../shared` beside the package root) and its parsed forms.
enum Fixtures {
    static let shared = PackagePaths.shared
    static let agNews = shared.appendingPathComponent("data/ag_news")
    static let tokenize = shared.appendingPathComponent("fixtures/tokenize")
    static let notebookModel = shared.appendingPathComponent("models/notebook-gru-partial")

    static let testSplit = agNews.appendingPathComponent("test.csv.gz")
    static let trainPartial = agNews.appendingPathComponent("train-partial.csv.gz")
    static let evaluationSample = agNews.appendingPathComponent("eval_idx_seed42.txt")

    /// A row of `test_tokens.jsonl.gz`: NLTK 3.10.4's tokens of test row `i`.
    struct TokenRow: Decodable, Sendable {
        var i: Int
        var label: Int
        var tokens: [String]
    }

    /// A case of `tricky.jsonl`.
    struct TrickyCase: Decodable, Sendable, CustomStringConvertible {
        var name: String
        var text: String
        var cleaned: String
        var tokens: [String]
        var note: String
        var description: String { name }
    }

    /// The part of `vocab_stats.json` about one split.
    struct SplitStats: Decodable, Sendable {
        var rows: Int
        var tokens: Int
        var distinct_words: Int
        var vocab_size_threshold_25: Int
        var vocab_size_threshold_20: Int
        var vocab_size_threshold_10: Int
        var top30: [[Either]]
    }

    /// A JSON value that is a string or an integer (`top30` pairs).
    enum Either: Decodable, Sendable {
        case string(String)
        case int(Int)
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) { self = .int(value) } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    struct VocabStats: Decodable, Sendable {
        var train_partial: SplitStats
        var test: SplitStats
    }

    /// The AG News test split, parsed once.
    static let testItems = Result { try AGNewsReader.read(contentsOf: testSplit) }

    /// The expected tokens of every test row, parsed once.
    static let testTokens = Result { () throws -> [TokenRow] in
        let data = try Gzip.decompress(Data(contentsOf: tokenize.appendingPathComponent("test_tokens.jsonl.gz")))
        return try jsonLines(data, as: TokenRow.self)
    }

    static func trickyCases() throws -> [TrickyCase] {
        try jsonLines(Data(contentsOf: tokenize.appendingPathComponent("tricky.jsonl")), as: TrickyCase.self)
    }

    static func vocabStats() throws -> VocabStats {
        try JSONDecoder().decode(VocabStats.self, from: Data(contentsOf: tokenize.appendingPathComponent("vocab_stats.json")))
    }

    static func jsonLines<T: Decodable>(_ data: Data, as type: T.Type) throws -> [T] {
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(T.self, from: Data($0)) }
    }

    /// Tokens as byte arrays, for comparisons that Swift's canonical equivalence cannot blur.
    static func bytes(_ tokens: [String]) -> [[UInt8]] {
        tokens.map { Array($0.utf8) }
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("TextPipelineTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
