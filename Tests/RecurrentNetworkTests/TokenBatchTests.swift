import RecurrentNetwork
import TestSupport
import Testing

@Suite(.onNumericsThreads) struct TokenBatchTests {
    @Test func derivesTimeFromIdsAndLengths() throws {
        let fixture = try GRUFixture("uni2_masked_mean")
        let batch = try fixture.batch()
        #expect(batch.batchSize == 5)
        #expect(batch.time == 12)
        #expect(batch.id(item: 1, position: 0) == Int32(fixture.configuration.specialTokens.bos))
    }

    @Test func refusesEmptyBatch() {
        #expect(throws: ClassifierInputError.emptyBatch) { try TokenBatch(ids: [], lengths: []) }
    }

    @Test func refusesIdsNotFormingARectangle() {
        #expect(throws: ClassifierInputError.idsShapeMismatch(idCount: 7, batchSize: 2)) {
            try TokenBatch(ids: [1, 2, 3, 4, 5, 6, 7], lengths: [3, 3])
        }
    }

    @Test func refusesLengthZero() {
        #expect(throws: ClassifierInputError.lengthOutOfRange(item: 1, length: 0, time: 3)) {
            try TokenBatch(ids: [1, 5, 2, 3, 3, 3], lengths: [3, 0])
        }
    }

    @Test func refusesLengthBeyondTime() {
        #expect(throws: ClassifierInputError.lengthOutOfRange(item: 0, length: 4, time: 3)) {
            try TokenBatch(ids: [1, 5, 2, 1, 2, 3], lengths: [4, 2])
        }
    }

    @Test func errorsNameTheItem() {
        let error = ClassifierInputError.idOutOfRange(item: 3, position: 7, id: 99, vocabularySize: 50)
        #expect(error.description.contains("item 3"))
        #expect(error.description.contains("99"))
    }
}
