import Testing
import Worker

@Suite struct ShadowSamplerTests {
    @Test(arguments: [1.0, 0.5, 0.25, 0.1, 0.3, 0.77])
    func admitsTheRateOfBatchesEvenlyAndTheFirstOne(rate: Double) {
        var sampler = ShadowSampler(rate: rate)
        var admitted: [Bool] = []
        for _ in 0..<1000 { admitted.append(sampler.admits()) }
        #expect(admitted[0], "the first batch is always admitted")
        for n in [10, 100, 1000] {
            let count = admitted.prefix(n).filter { $0 }.count
            let expected = Double(n) * rate
            #expect(Double(count) >= expected.rounded(.down) - 1e-9 && Double(count) <= expected.rounded(.up) + 1e-9,
                "rate \(rate): \(count) of \(n) admitted, expected ⌊\(expected)⌋…⌈\(expected)⌉")
        }
        // Evenly spread: no run of skipped batches longer than ⌈1/r⌉ − 1.
        var longestSkip = 0
        var skip = 0
        for admitted in admitted {
            skip = admitted ? 0 : skip + 1
            longestSkip = max(longestSkip, skip)
        }
        #expect(longestSkip <= Int((1 / rate).rounded(.up)) - 1, "rate \(rate): \(longestSkip) skipped in a row")
    }

    @Test func aTenthAdmitsEveryTenthBatchDespiteRounding() {
        var sampler = ShadowSampler(rate: 0.1)
        let admitted = (0..<30).map { _ in sampler.admits() }
        #expect(admitted.indices.filter { admitted[$0] } == [0, 10, 20])
    }
}
