import Demo
import Foundation
import Testing

/// The child-process handling with `/bin/sh` standing in for the worker (the real worker runs in
/// NewsclfDemoTests).
final class WorkerProcessTests {
    /// Where the stand-in's output goes (removed when the test's instance goes).
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("worker-process-test-\(UUID().uuidString).log")

    deinit {
        try? FileManager.default.removeItem(at: log)
    }

    func start(_ script: String) throws -> WorkerProcess {
        // The flags WorkerProcess appends (--metrics-address …) become the script's $0 and $1.
        return try WorkerProcess(
            executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script], metricsAddress: "127.0.0.1:9",
            environment: [:], logFile: log)
    }

    /// Waits until the stand-in has written `ready` to its log (its trap is set by then).
    func waitUntilTrapSet() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        let ready = { ((try? String(contentsOf: self.log, encoding: .utf8)) ?? "").contains("ready") }
        while clock.now < deadline, !ready() { try await Task.sleep(for: .milliseconds(10)) }
        if !ready() { Issue.record("the stand-in did not write 'ready' within 30 s") }
    }

    @Test func aChildThatExitsOnSIGTERMStopsWithItsOwnStatus() async throws {
        let process = try start("trap 'exit 0' TERM; echo ready; while true; do sleep 0.05; done")
        try await waitUntilTrapSet()
        let exit = await process.stop(gracePeriod: .seconds(10))
        #expect(exit.isClean)
        #expect(!exit.wasKilled)
    }

    @Test func aChildThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let process = try start("trap '' TERM; echo ready; while true; do sleep 0.05; done")
        try await waitUntilTrapSet()
        let exit = await process.stop(gracePeriod: .milliseconds(300))
        #expect(exit.wasKilled)
        #expect(exit.wasSignalled)
        #expect(!exit.isClean)
    }

    @Test func aChildThatExitsBeforeItIsReadyIsReported() async throws {
        let process = try start("exit 3")
        await #expect(throws: DemoError.self) { try await process.waitUntilReady(timeout: .seconds(10)) }
        let exit = await process.stop(gracePeriod: .seconds(1))
        #expect(exit.status == 3)
    }

    @Test func aMissingExecutableDoesNotStart() {
        #expect(throws: DemoError.self) {
            try WorkerProcess(
                executable: URL(fileURLWithPath: "/nonexistent/newsclf-worker"), arguments: [], metricsAddress: "127.0.0.1:9",
                environment: [:], logFile: log)
        }
    }

    @Test func aFreeLoopbackPortIsAValidPort() throws {
        let port = try WorkerProcess.freeLoopbackPort()
        #expect((1...65535).contains(port))
    }
}
