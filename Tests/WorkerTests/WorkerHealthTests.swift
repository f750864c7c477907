import Testing
import Worker

@Suite struct WorkerHealthTests {
    @Test func readinessFollowsTheWorker() {
        let health = WorkerHealth()
        #expect(health.readiness.ready == false)
        #expect(health.readiness.reason == "starting")
        health.setReady(true)
        #expect(health.readiness == (true, "ready"))
        health.setReady(false, reason: "draining")
        #expect(health.readiness == (false, "draining"))
    }

    @Test func livenessExpiresWithoutHeartbeats() {
        let clock = ManualClock()
        let health = WorkerHealth(livenessWindow: .seconds(30), now: { clock.now })
        #expect(health.isLive)
        clock.advance(by: .seconds(30))
        #expect(health.isLive)
        clock.advance(by: .milliseconds(1))
        #expect(!health.isLive)
        health.heartbeat()
        #expect(health.isLive)
    }

    @Test func timeSinceHeartbeatGrowsUntilTheNextHeartbeat() {
        let clock = ManualClock()
        let health = WorkerHealth(now: { clock.now })
        clock.advance(by: .milliseconds(120))
        #expect(health.timeSinceHeartbeat == .milliseconds(120))
        health.heartbeat()
        #expect(health.timeSinceHeartbeat == .zero)
    }

    @Test func theRealClockIsTheDefault() async throws {
        let health = WorkerHealth()
        try await Task.sleep(for: .milliseconds(20))
        #expect(health.timeSinceHeartbeat >= .milliseconds(20))
    }
}
