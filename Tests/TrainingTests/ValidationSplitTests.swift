import TestSupport
import Testing
@testable import Training

@Suite(.onNumericsThreads) struct ValidationSplitTests {
    /// 1,000 rows of 4 classes in uneven shares (400, 300, 200, 100), interleaved.
    static let labels: [Int] = (0..<1000).map { row in
        switch row % 10 {
        case 0..<4: 0
        case 4..<7: 1
        case 7..<9: 2
        default: 3
        }
    }

    @Test func eachClassKeepsItsShareInValidation() {
        let split = ValidationSplit(labels: Self.labels, classCount: 4, fraction: 0.05, seed: 7)
        var counts = [0, 0, 0, 0]
        for row in split.validationIndices { counts[Self.labels[row]] += 1 }
        #expect(counts == [20, 15, 10, 5])
        #expect(split.validationIndices.count + split.trainingIndices.count == Self.labels.count)
    }

    @Test func portionsAreDisjointSortedAndCoverEveryRow() {
        let split = ValidationSplit(labels: Self.labels, classCount: 4, fraction: 0.2, seed: 3)
        #expect(Set(split.trainingIndices).isDisjoint(with: split.validationIndices))
        #expect(Set(split.trainingIndices + split.validationIndices) == Set(0..<Self.labels.count))
        #expect(split.trainingIndices == split.trainingIndices.sorted())
        #expect(split.validationIndices == split.validationIndices.sorted())
    }

    @Test func sameSeedGivesSameSplit() {
        #expect(ValidationSplit(labels: Self.labels, classCount: 4, fraction: 0.1, seed: 42)
            == ValidationSplit(labels: Self.labels, classCount: 4, fraction: 0.1, seed: 42))
    }

    @Test func anotherSeedGivesAnotherSplit() {
        #expect(ValidationSplit(labels: Self.labels, classCount: 4, fraction: 0.1, seed: 42).validationIndices
            != ValidationSplit(labels: Self.labels, classCount: 4, fraction: 0.1, seed: 43).validationIndices)
    }

    @Test func smallClassesKeepAtLeastOneRowOnEachSide() {
        let split = ValidationSplit(labels: [0, 0, 1, 1, 1, 2], classCount: 3, fraction: 0.01, seed: 0)
        var validation = [0, 0, 0]
        for row in split.validationIndices { validation[[0, 0, 1, 1, 1, 2][row]] += 1 }
        #expect(validation == [1, 1, 0])  // a class of one row stays in training
    }
}
