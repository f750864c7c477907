import Kafka
import Testing
import Worker

@Suite struct ReadinessTrackerTests {
    static let unreachable = NotReadyReason.brokersUnreachable(
        bootstrapServers: ["127.0.0.1:1"], error: KafkaError(code: .transport, operation: "metadata"))
    static let missing = NotReadyReason.topicMissing(.input, name: "no.such.topic")
    static let joining = NotReadyReason.joiningGroup("g")

    @Test func theFirstReadyNotifiesOnceAndALaterOneIsARecovery() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .seconds(60))
        let outcome1 = tracker.observe(.notReady(Self.joining), at: start + .seconds(1))
        #expect(outcome1 == [])
        let outcome2 = tracker.observe(.ready, at: start + .seconds(3))
        #expect(outcome2 == [.becameReady])
        let outcome3 = tracker.observe(.ready, at: start + .seconds(13))
        #expect(outcome3 == [])
        let outcome4 = tracker.observe(.notReady(Self.missing), at: start + .seconds(23))
        #expect(outcome4 == [.warn(Self.missing)])
        let outcome5 = tracker.observe(.ready, at: start + .seconds(24))
        #expect(outcome5 == [.recovered(after: Self.missing)])
        #expect(tracker.hasBeenReady)
    }

    @Test func aLastingReasonIsWarnedOncePerInterval() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: nil, warningInterval: .seconds(30))
        var warnings = 0
        for step in 0..<120 {  // a check every 500 ms for 60 s
            warnings += tracker.observe(.notReady(Self.missing), at: start + .milliseconds(500 * step))
                .filter { if case .warn = $0 { true } else { false } }.count
        }
        #expect(warnings == 2)
    }

    @Test func joiningIsNotWarnedWhileStartingUnlessItLasts() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .seconds(60), warningInterval: .seconds(30))
        let outcome6 = tracker.observe(.notReady(.starting), at: start)
        #expect(outcome6 == [])
        let outcome7 = tracker.observe(.notReady(Self.joining), at: start + .seconds(5))
        #expect(outcome7 == [])
        let outcome8 = tracker.observe(.notReady(Self.joining), at: start + .seconds(31))
        #expect(outcome8 == [.warn(Self.joining)])
    }

    @Test func unreachableBrokersAreWarnedAtOnceAndFailTheStartAfterTheTimeout() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .seconds(10), warningInterval: .seconds(30))
        let outcome9 = tracker.observe(.notReady(Self.unreachable), at: start + .seconds(1))
        #expect(outcome9 == [.warn(Self.unreachable)])
        let outcome10 = tracker.observe(.notReady(Self.unreachable), at: start + .milliseconds(9_999))
        #expect(outcome10 == [])
        let outcome11 = tracker.observe(.notReady(Self.unreachable), at: start + .seconds(10))
        #expect(outcome11 == [.failStartup(Self.unreachable)])
        let outcome12 = tracker.observe(.notReady(Self.unreachable), at: start + .seconds(11))
        #expect(outcome12 == [], "the start fails once")
    }

    @Test func aMissingTopicFailsTheStartAfterTheTimeout() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .seconds(10))
        let outcome13 = tracker.observe(.notReady(Self.missing), at: start + .seconds(12))
        #expect(outcome13 == [.warn(Self.missing), .failStartup(Self.missing)])
    }

    @Test func joiningPastTheTimeoutDoesNotFailTheStart() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .seconds(10), warningInterval: .seconds(30))
        let outcome14 = tracker.observe(.notReady(Self.joining), at: start + .seconds(20))
        #expect(outcome14 == [])
        let outcome15 = tracker.observe(.ready, at: start + .seconds(21))
        #expect(outcome15 == [.becameReady])
    }

    @Test func outagesAfterTheFirstReadyNeverFailTheWorker() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .seconds(10))
        let outcome16 = tracker.observe(.ready, at: start + .seconds(3))
        #expect(outcome16 == [.becameReady])
        let actions = (1...100).flatMap { tracker.observe(.notReady(Self.unreachable), at: start + .seconds(3 + $0)) }
        #expect(!actions.contains { if case .failStartup = $0 { true } else { false } })
    }

    @Test func aZeroTimeoutWaitsForever() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .zero)
        #expect(tracker.startupTimeout == nil)
        let actions = tracker.observe(.notReady(Self.unreachable), at: start + .seconds(3600))
        #expect(actions == [.warn(Self.unreachable)])
    }

    @Test func drainingGivesNoActions() {
        let start = ContinuousClock.now
        var tracker = ReadinessTracker(start: start, startupTimeout: .seconds(1))
        let outcome17 = tracker.observe(.notReady(.draining), at: start + .seconds(5))
        #expect(outcome17 == [])
    }
}
