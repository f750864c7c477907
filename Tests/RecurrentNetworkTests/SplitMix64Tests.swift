import RecurrentNetwork
import TestSupport
import Testing

@Suite(.onNumericsThreads) struct SplitMix64Tests {
    @Test func sameSeedGivesSameSequence() {
        var a = SplitMix64(seed: 123)
        var b = SplitMix64(seed: 123)
        var c = SplitMix64(seed: 124)
        let first = (0..<64).map { _ in a.next() }
        #expect(first == (0..<64).map { _ in b.next() })
        #expect(first != (0..<64).map { _ in c.next() })
    }

    @Test func splitStreamsDifferAndAreReproducible() {
        var parent = SplitMix64(seed: 5)
        var copy = parent
        var child = parent.split()
        var childAgain = copy.split()
        #expect(parent == copy)
        let childValues = (0..<32).map { _ in child.next() }
        #expect(childValues == (0..<32).map { _ in childAgain.next() })
        #expect(childValues != (0..<32).map { _ in parent.next() })
    }

    @Test func restoresFromSavedState() {
        var generator = SplitMix64(seed: 77)
        _ = generator.next()
        var restored = SplitMix64(state: generator.state, gamma: generator.gamma)
        #expect((0..<16).map { _ in generator.next() } == (0..<16).map { _ in restored.next() })
    }

    @Test func unitAndNormalSamplesHaveTheirMoments() {
        var generator = SplitMix64(seed: 1)
        let uniform = (0..<100_000).map { _ in generator.nextUnitFloat() }
        #expect(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(uniform.reduce(0, +) / 100_000 - 0.5) < 0.01)
        let normal = (0..<100_000).map { _ in generator.nextStandardNormal() }
        let mean = normal.reduce(0, +) / 100_000
        let variance = normal.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 100_000
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
    }
}
