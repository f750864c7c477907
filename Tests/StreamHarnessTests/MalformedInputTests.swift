import Classification
import StreamHarness
import Testing
import WireFormat

struct MalformedInputTests {
    /// Each catalog message is refused by the worker's own decoder with the kind the demo expects.
    @Test(arguments: MalformedInput.catalog(idPrefix: "r/", oversizeBytes: 70_000))
    func theWorkersDecoderRefusesItWithTheExpectedKind(_ input: MalformedInput) {
        let result = NewsInput.decode(input.value, maxBytes: 65_536)
        guard case .failure(let reason) = result else {
            Issue.record("\(input.summary) decoded as an item")
            return
        }
        #expect(reason.kind == input.expectedKind, "\(input.summary): \(reason)")
    }

    /// Every kind the decoder finds; `no_tokens` needs the model's vocabulary, not the decoder
    /// (the worker's tests cover it).
    @Test func theCatalogCoversEveryDecoderDeadLetterKindOnce() {
        let kinds = MalformedInput.catalog(idPrefix: "r/", oversizeBytes: 70_000).map(\.expectedKind)
        #expect(kinds == DeadLetterReason.Kind.allCases.filter { $0 != .noTokens })
    }

    @Test func theOversizeMessageHasTheRequestedSize() throws {
        let oversize = try #require(MalformedInput.catalog(idPrefix: "r/", oversizeBytes: 70_000).last)
        #expect(oversize.expectedKind == .tooLarge)
        #expect(oversize.value.count == 70_000)
    }
}
