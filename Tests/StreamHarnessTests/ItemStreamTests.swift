import Classification
import StreamHarness
import TestSupport
import Testing
import TextPipeline
import WireFormat

struct ItemStreamTests {
    @Test func malformedInputsAreSpreadThroughTheItemsInOrder() {
        let stream = StreamRecords.stream(trueLabels: Array(repeating: 0, count: 80))
        #expect(stream.order.count == 87)
        let items = stream.order.compactMap { if case .item(let row) = $0 { row } else { nil } }
        let malformed = stream.order.compactMap { if case .malformed(let k) = $0 { k } else { nil } }
        #expect(items == Array(0..<80))
        #expect(malformed == Array(0..<7))
        #expect(stream.order.firstIndex(of: .malformed(0)) == 10, "the first one after 80/8 items")
        #expect(stream.order.firstIndex(of: .malformed(6)) == 76, "the last one after 80·7/8 items, plus the six before it")
    }

    @Test func anItemMessageDecodesToItsTextAndIDWithTheWorkersDecoder() throws {
        let stream = ItemStream(runID: "abc", items: [NewsItem(text: "Yankees \"rally\" / win \u{e9}", label: 1)], malformedInputs: [])
        let message = stream.message(for: .item(0), topic: "news.raw")
        let input = try NewsInput.decode(try #require(message.value)).get()
        #expect(input.text == "Yankees \"rally\" / win \u{e9}")
        #expect(input.id == .string("abc/0"))
        #expect(message.key == Array("abc/0".utf8))
    }

    @Test func keysMapBackToTheirMembers() {
        let stream = StreamRecords.stream(trueLabels: [0, 1, 2])
        #expect(stream.member(forKey: stream.itemID(2)) == .item(2))
        #expect(stream.member(forKey: stream.malformedKey(6)) == .malformed(6))
    }

    @Test func keysOfOtherRunsAndOutOfRangeRowsBelongToNoMember() {
        let stream = StreamRecords.stream(trueLabels: [0, 1, 2])
        #expect(stream.member(forKey: "run2/1") == nil)
        #expect(stream.member(forKey: "run1-warm-up/1") == nil)
        #expect(stream.member(forKey: "run1/3") == nil)
        #expect(stream.member(forKey: "run1/bad/7") == nil)
        #expect(stream.member(forKey: "run1/x") == nil)
    }
}
