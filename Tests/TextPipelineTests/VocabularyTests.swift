import Foundation
import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct VocabularyTests {
    static let notebookVocab = Fixtures.notebookModel.appendingPathComponent("vocab.txt")

    private func expectError(
        _ text: Data, specialTokens: SpecialTokens = .standard, sourceLocation: SourceLocation = #_sourceLocation,
        _ expected: VocabularyError
    ) {
        #expect(throws: expected, sourceLocation: sourceLocation) {
            try Vocabulary(vocabTxt: text, source: "vocab.txt", specialTokens: specialTokens)
        }
    }

    private func expectError(
        _ lines: [String], specialTokens: SpecialTokens = .standard, sourceLocation: SourceLocation = #_sourceLocation,
        _ expected: VocabularyError
    ) {
        let text = Data(lines.map { $0 + "\n" }.joined().utf8)
        expectError(text, specialTokens: specialTokens, sourceLocation: sourceLocation, expected)
    }

    private static let specials = ["<unk>", "<bos>", "<eos>", "<pad>"]

    @Test func readsAndRewritesTheNotebookVocabularyByteForByte() throws {
        let original = try Data(contentsOf: Self.notebookVocab)
        let vocabulary = try Vocabulary(contentsOf: Self.notebookVocab)
        #expect(vocabulary.count == original.filter { $0 == UInt8(ascii: "\n") }.count)
        #expect(Array(vocabulary.tokens.prefix(4)) == Self.specials)
        #expect(vocabulary.vocabTxt == original)

        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("vocab.txt")
        try vocabulary.write(to: copy)
        #expect(try Data(contentsOf: copy) == original)
        #expect(try Vocabulary(contentsOf: copy) == vocabulary)
    }

    @Test func mapsEveryTokenToItsLineAndUnknownWordsToUnk() throws {
        let vocabulary = try Vocabulary(contentsOf: Self.notebookVocab)
        for (id, token) in vocabulary.tokens.enumerated() {
            #expect(vocabulary.id(of: token) == Int32(id))
            #expect(vocabulary.token(for: Int32(id)) == token)
        }
        #expect(vocabulary.id(of: "qqqqqqqq-not-a-word") == SpecialTokens.standard.unk)
        #expect(vocabulary.ids(of: ["the", "qqqqqqqq"]) == [vocabulary.id(of: "the"), 0])
        #expect(vocabulary.token(for: Int32(vocabulary.count)) == nil)
        #expect(vocabulary.token(for: -1) == nil)
    }

    @Test func comparesTokensByBytesNotCanonicalEquivalence() throws {
        let vocabulary = try Vocabulary(tokens: Self.specials + ["caf\u{E9}"])
        #expect(vocabulary.contains("caf\u{E9}"))
        #expect(!vocabulary.contains("cafe\u{301}"))
        #expect(vocabulary.id(of: "cafe\u{301}") == SpecialTokens.standard.unk)
        // Both spellings may be tokens of one vocabulary.
        #expect(try Vocabulary(tokens: Self.specials + ["caf\u{E9}", "cafe\u{301}"]).count == 6)
    }

    @Test func acceptsOtherSpecialTokenIDs() throws {
        let ids = SpecialTokens(unk: 2, bos: 4, eos: 0, pad: 1)
        let vocabulary = try Vocabulary(
            vocabTxt: Data("<eos>\n<pad>\n<unk>\nthe\n<bos>\nnews".utf8), source: "vocab.txt", specialTokens: ids)
        #expect(vocabulary.specialTokens == ids)
        #expect(vocabulary.id(of: "unseen") == 2)
        #expect(vocabulary.id(of: "news") == 5)
        expectError(["<eos>", "<pad>", "<unk>", "the", "<bos>"], VocabularyError(
            file: "vocab.txt", line: 1, kind: .missingSpecialToken("<unk>", id: 0, found: "<eos>")))
    }

    @Test func refusesAnEmptyFile() {
        expectError(Data(), VocabularyError(file: "vocab.txt", line: nil, kind: .empty))
    }

    @Test func refusesADuplicateTokenNamingBothLines() {
        expectError(Self.specials + ["the", "news", "the"], VocabularyError(
            file: "vocab.txt", line: 7, kind: .duplicateToken("the", firstLine: 5)))
    }

    @Test func refusesAMissingSpecialToken() {
        expectError(["<unk>", "<bos>", "the", "<pad>"], VocabularyError(
            file: "vocab.txt", line: 3, kind: .missingSpecialToken("<eos>", id: 2, found: "the")))
        expectError(["<unk>", "<bos>", "<eos>"], VocabularyError(
            file: "vocab.txt", line: 4, kind: .missingSpecialToken("<pad>", id: 3, found: nil)))
    }

    @Test func refusesAnEmptyLine() {
        expectError(Self.specials + ["the", "", "news"], VocabularyError(file: "vocab.txt", line: 6, kind: .emptyToken))
    }

    @Test func refusesInvalidUTF8() {
        var text = Data(Self.specials.map { $0 + "\n" }.joined().utf8)
        text.append(contentsOf: [0x66, 0xFF, 0x0A])
        expectError(text, VocabularyError(file: "vocab.txt", line: 5, kind: .invalidUTF8))
    }

    @Test func refusesWhitespaceInAToken() {
        expectError(Self.specials + ["new york"], VocabularyError(
            file: "vocab.txt", line: 5, kind: .whitespaceInToken("new york")))
        expectError(Self.specials + ["crlf\r"], VocabularyError(
            file: "vocab.txt", line: 5, kind: .whitespaceInToken("crlf\r")))
    }

    @Test func refusesCollidingSpecialTokenIDs() {
        let ids = SpecialTokens(unk: 0, bos: 1, eos: 1, pad: 3)
        expectError(Self.specials, specialTokens: ids, VocabularyError(
            file: "vocab.txt", line: nil, kind: .invalidSpecialTokenIDs(ids)))
    }

    @Test func refusesAMissingFile() {
        let url = Fixtures.notebookModel.appendingPathComponent("no-such-vocab.txt")
        #expect {
            try Vocabulary(contentsOf: url)
        } throws: { error in
            guard let error = error as? VocabularyError, case .unreadable = error.kind else { return false }
            return error.file == url.path && error.description.hasPrefix(url.path)
        }
    }
}
