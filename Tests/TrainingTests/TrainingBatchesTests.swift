import RecurrentNetwork
import TestSupport
import Testing
import TextPipeline
@testable import Training

@Suite(.onNumericsThreads) struct TrainingBatchesTests {
    /// 10 items; item k has k + 1 word ids and label k % 4.
    static let batches = TrainingBatches(
        items: (0..<10).map { k in EncodedText(ids: [1] + Array(repeating: Int32(4 + k), count: k + 1) + [2], isTruncated: false, tokenCount: k + 1) },
        labels: (0..<10).map { $0 % 4 }, batchSize: 4, seed: 11, paddingID: 3)

    @Test func eachEpochIsAPermutationOfItsOwn() {
        let first = Self.batches.order(epoch: 0)
        #expect(first.sorted() == Array(0..<10))
        #expect(Self.batches.order(epoch: 0) == first)
        #expect(Self.batches.order(epoch: 1) != first)
    }

    @Test func batchesFollowTheOrderWithAShorterLastOne() throws {
        let order = Self.batches.order(epoch: 2)
        #expect(Self.batches.batchesPerEpoch == 3)
        var seen: [Int] = []
        for index in 0..<3 {
            let (batch, labels) = try Self.batches.batch(index, of: order)
            #expect(batch.batchSize == (index < 2 ? 4 : 2))
            for item in 0..<batch.batchSize {
                // The item's first word id tells which item it is.
                let k = Int(batch.id(item: item, position: 1)) - 4
                #expect(batch.lengths[item] == k + 3)
                #expect(labels[item] == k % 4)
                seen.append(k)
            }
            #expect(batch.time == batch.lengths.max())
        }
        #expect(seen == order)
    }

    @Test func batchBeyondTheEpochIsAnError() {
        #expect(throws: TrainingError.self) { try Self.batches.batch(3, of: Self.batches.order(epoch: 0)) }
    }
}
