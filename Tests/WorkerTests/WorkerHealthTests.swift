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

    @Test func livenessExpiresWithoutHeartbeats() async throws {
        let health = WorkerHealth(livenessWindow: .milliseconds(50))
        #expect(health.isLive)
        try await Task.sleep(for: .milliseconds(120))
        #expect(!health.isLive)
        health.heartbeat()
        #expect(health.isLive)
    }

    @Test func timeSinceHeartbeatGrowsUntilTheNextHeartbeat() async throws {
        let health = WorkerHealth()
        try await Task.sleep(for: .milliseconds(120))
        #expect(health.timeSinceHeartbeat >= .milliseconds(120))
        health.heartbeat()
        #expect(health.timeSinceHeartbeat < .milliseconds(120))
    }
}
