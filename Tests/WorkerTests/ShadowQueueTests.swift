import Testing
import Worker

@Suite struct ShadowQueueTests {
    @Test func dropsWhatIsOfferedWhenFullAndKeepsOrder() {
        var queue = ShadowQueue<Int>(capacity: 2)
        let accepted = [1, 2, 3].map { queue.enqueue($0) }
        #expect(accepted == [true, true, false], "full: the third batch is dropped")
        #expect(queue.count == 2)
        let first = queue.dequeue()
        let fourthAccepted = queue.enqueue(4)
        let rest = [queue.dequeue(), queue.dequeue(), queue.dequeue()]
        #expect(first == 1)
        #expect(fourthAccepted)
        #expect(rest == [2, 4, nil])
        #expect(ShadowQueue<Int>(capacity: 0).capacity == 1)
    }
}
