import Demo
import Testing

struct ProgressDisplayTests {
    @Test func plainLinesAppearOncePerTenth() {
        var display = ProgressDisplay(total: 100, style: .lines)
        let written = (0...100).compactMap { display.update(done: $0, sent: 100, elapsed: .seconds(1)) }
        #expect(written.count == 11)
        #expect(written.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") })
        #expect(written.last == "progress: 100/100 answered (100 %), 100 sent, 1.0 s\n")
        #expect(display.finish == "")
    }

    @Test func aBarRedrawsInPlaceAtMostEveryTenthOfASecond() {
        var display = ProgressDisplay(total: 10, style: .bar)
        let start = ContinuousClock.now
        let first = display.update(done: 5, sent: 10, elapsed: .seconds(1), now: start)
        let tooSoon = display.update(done: 6, sent: 10, elapsed: .seconds(1), now: start.advanced(by: .milliseconds(50)))
        let final = display.update(done: 10, sent: 10, elapsed: .seconds(2), now: start.advanced(by: .milliseconds(60)))
        #expect(first?.hasPrefix("\r[###############...............]  50.0 %") == true)
        #expect(tooSoon == nil)
        #expect(final?.contains("10/10 answered") == true, "the last state is always drawn")
        #expect(display.finish == "\n")
    }
}
