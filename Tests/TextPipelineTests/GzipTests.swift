import Foundation
import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct GzipTests {
    @Test func decompressesTheTestSplit() throws {
        let compressed = try Data(contentsOf: Fixtures.testSplit)
        let csv = try Gzip.decompress(compressed)
        // ../shared/data/ag_news/README.md: "Decompressed it is 1,857,427 bytes", 7,600 lines.
        #expect(csv.count == 1_857_427)
        #expect(csv.filter { $0 == UInt8(ascii: "\n") }.count == 7_600)
    }

    @Test func decompressesConcatenatedMembers() throws {
        let compressed = try Data(contentsOf: Fixtures.testSplit)
        let once = try Gzip.decompress(compressed)
        #expect(try Gzip.decompress(compressed + compressed) == once + once)
    }

    @Test(arguments: [10, 1_000, 374_412, 748_816, 748_823])
    func refusesATruncatedStream(keeping bytes: Int) throws {
        let compressed = try Data(contentsOf: Fixtures.testSplit)
        try #require(bytes < compressed.count)
        #expect(throws: GzipError(.truncated)) { try Gzip.decompress(compressed.prefix(bytes)) }
    }

    @Test func refusesACorruptStream() throws {
        var compressed = try Data(contentsOf: Fixtures.testSplit)
        compressed[compressed.count / 2] ^= 0xFF
        #expect {
            try Gzip.decompress(compressed)
        } throws: { error in
            guard let error = error as? GzipError, case .corrupt = error.kind else { return false }
            return true
        }
    }

    @Test func refusesDataThatIsNotGzip() {
        #expect(throws: GzipError(.notGzip)) { try Gzip.decompress(Data("\"1\",\"a\",\"b\"\n".utf8)) }
        #expect(throws: GzipError(.notGzip)) { try Gzip.decompress(Data()) }
    }

    @Test func refusesTrailingData() throws {
        let compressed = try Data(contentsOf: Fixtures.testSplit)
        #expect(throws: GzipError(.trailingData(offset: compressed.count))) {
            try Gzip.decompress(compressed + Data([0, 0, 0, 0]))
        }
    }
}
