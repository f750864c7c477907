import TestSupport
import Testing
@testable import Training

@Suite(.onNumericsThreads) struct RandomStreamsTests {
    @Test func streamsDependOnSeedPurposeAndIndexOnly() {
        let streams = RandomStreams(seed: 9)
        #expect(streams.seed(for: .dropout, index: 3) == RandomStreams(seed: 9).seed(for: .dropout, index: 3))
        let seeds: Set<UInt64> = [
            streams.seed(for: .dropout, index: 3), streams.seed(for: .dropout, index: 4),
            streams.seed(for: .shuffle, index: 3), RandomStreams(seed: 10).seed(for: .dropout, index: 3),
        ]
        #expect(seeds.count == 4)
    }
}
