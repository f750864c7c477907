import Foundation
import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct AGNewsReaderTests {
    private func parse(_ csv: String) throws -> [NewsItem] {
        try AGNewsReader.parse(Data(csv.utf8), source: "rows.csv")
    }

    /// Expects `csv` to be refused at `line` with an error of the given kind.
    private func expectError(
        _ csv: Data, line: Int?, sourceLocation: SourceLocation = #_sourceLocation,
        _ matches: (AGNewsReaderError.Kind) -> Bool
    ) {
        #expect(sourceLocation: sourceLocation) {
            try AGNewsReader.parse(csv, source: "rows.csv")
        } throws: { error in
            guard let error = error as? AGNewsReaderError else { return false }
            let place = line.map { "rows.csv:\($0):" } ?? "rows.csv:"
            return error.file == "rows.csv" && error.line == line && matches(error.kind)
                && error.description.hasPrefix(place)
        }
    }

    private func expectError(
        _ csv: String, line: Int?, sourceLocation: SourceLocation = #_sourceLocation,
        _ matches: (AGNewsReaderError.Kind) -> Bool
    ) {
        expectError(Data(csv.utf8), line: line, sourceLocation: sourceLocation, matches)
    }

    @Test func readsTheTestSplitWithTheFixtureLabels() throws {
        let items = try Fixtures.testItems.get()
        let expected = try Fixtures.testTokens.get()
        #expect(items.count == expected.count)
        #expect(items.map(\.label) == expected.map(\.label))
        #expect(Set(items.map(\.label)) == [0, 1, 2, 3])
    }

    @Test func joinsTitleAndDescriptionWithOneSpace() throws {
        // Line 1 of train-partial is line 1 of the original train.csv; tricky.jsonl's
        // `ag_reuters_row` holds its title + " " + description.
        let items = try AGNewsReader.read(contentsOf: Fixtures.trainPartial)
        let tricky = try #require(try Fixtures.trickyCases().first { $0.name == "ag_reuters_row" })
        #expect(items.first?.text == tricky.text)
        #expect(items.first?.label == 2)
        #expect(items.count == (try Fixtures.vocabStats().train_partial.rows))
    }

    @Test func readsPlainCSVLikeGzip() throws {
        let compressed = try Data(contentsOf: Fixtures.testSplit)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("test.csv")
        try Gzip.decompress(compressed).write(to: plain)
        #expect(try AGNewsReader.read(contentsOf: plain) == (try Fixtures.testItems.get()))
    }

    @Test func undoublesQuotesAndKeepsEverythingElse() throws {
        let lines = [
            #""1","He said ""hi"" \$5","a\b  #39;s ""x""""#,
            #""4",""""," ""quoted""  ""#,
        ]
        #expect(try parse(lines.joined(separator: "\n") + "\n") == [
            NewsItem(text: #"He said "hi" \$5 a\b  #39;s "x""#, label: 0),
            NewsItem(text: #""  "quoted"  "#, label: 3),
        ])
    }

    @Test func acceptsEmptyFields() throws {
        #expect(try parse(#""3","",""\#n"#) == [NewsItem(text: " ", label: 2)])
    }

    @Test func acceptsCRLFAndAMissingFinalLineFeed() throws {
        #expect(try parse("\"1\",\"a\",\"b\"\r\n\"2\",\"c\",\"d\"") == [
            NewsItem(text: "a b", label: 0), NewsItem(text: "c d", label: 1),
        ])
    }

    @Test func acceptsUnquotedFieldsAndAByteOrderMark() throws {
        #expect(try parse("\u{FEFF}2,plain title,\"quoted, description\"\n") == [
            NewsItem(text: "plain title quoted, description", label: 1)
        ])
    }

    @Test func keepsNonASCIIText() throws {
        #expect(try parse("\"4\",\"Café\",\"“naïve” — 東京\"\n") == [NewsItem(text: "Café “naïve” — 東京", label: 3)])
    }

    @Test func refusesTooFewFields() {
        expectError(#""1","a","b"\#n"2","only title"\#n"#, line: 2) { $0 == .wrongFieldCount(found: 2) }
    }

    @Test func refusesTooManyFields() {
        expectError(#""1","a","b","c"\#n"#, line: 1) { $0 == .wrongFieldCount(found: 4) }
        expectError(#""1","a","b",\#n"#, line: 1) { $0 == .wrongFieldCount(found: 4) }
    }

    @Test func refusesAnUnterminatedQuote() {
        expectError(#""1","a","b"\#n"1","a","b\#n"1","c","d"\#n"#, line: 2) { $0 == .unterminatedQuote(field: 3) }
    }

    @Test func refusesTextAfterAClosingQuote() {
        expectError(#""1","a"x,"b"\#n"#, line: 1) { $0 == .textAfterClosingQuote(field: 2) }
    }

    @Test func refusesAQuoteInsideAnUnquotedField() {
        expectError(#"1,a"b,c\#n"#, line: 1) { $0 == .quoteInUnquotedField(field: 2) }
    }

    @Test(arguments: ["0", "5", "", "x", "12", " 1", "Class Index"])
    func refusesABadClass(_ value: String) {
        expectError("\"1\",\"a\",\"b\"\n\"\(value)\",\"a\",\"b\"\n", line: 2) { $0 == .invalidClass(value) }
    }

    @Test func refusesInvalidUTF8() {
        var csv = Data(#""1","ok","ok"\#n"2","bad "#.utf8)
        csv.append(contentsOf: [0xC3, 0x28])
        csv.append(contentsOf: Array(#"","x"\#n"#.utf8))
        expectError(csv, line: 2) { $0 == .invalidUTF8 }
    }

    @Test func refusesAnEmptyLine() {
        expectError(#""1","a","b"\#n\#n"2","c","d"\#n"#, line: 2) { $0 == .emptyLine }
    }

    @Test func refusesAnEmptyFile() {
        expectError("", line: nil) { $0 == .empty }
    }

    @Test func refusesATruncatedGzipFile() throws {
        let compressed = try Data(contentsOf: Fixtures.testSplit)
        expectError(compressed.prefix(compressed.count / 2), line: nil) { $0 == .gzip(GzipError(.truncated)) }
    }

    @Test func refusesAFileNamedGzipThatIsNot() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rows-\(UUID().uuidString).csv.gz")
        try Data(#""1","a","b"\#n"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            try AGNewsReader.read(contentsOf: url)
        } throws: { error in
            (error as? AGNewsReaderError)?.kind == .gzip(GzipError(.notGzip))
                && (error as? AGNewsReaderError)?.file == url.path
        }
    }

    @Test func refusesAMissingFile() {
        let url = Fixtures.agNews.appendingPathComponent("no-such-file.csv")
        #expect {
            try AGNewsReader.read(contentsOf: url)
        } throws: { error in
            guard let error = error as? AGNewsReaderError, case .unreadable = error.kind else { return false }
            return error.file == url.path
        }
    }
}
