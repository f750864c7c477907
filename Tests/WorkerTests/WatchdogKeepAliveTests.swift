import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import Worker

/// systemd's watchdog keep-alive against a real notify socket (``SystemdNotifierTests/Listener``).
@Suite struct WatchdogKeepAliveTests {
    @Test func sendsWatchdogEveryHalfIntervalWhileTheLoopMakesProgress() async throws {
        let listener = try SystemdNotifierTests.Listener()
        let health = WorkerHealth()
        let keepAlive = WatchdogKeepAlive(
            watchdogInterval: .milliseconds(400), notifier: SystemdNotifier(socketPath: listener.path), health: health)
        let received: [String] = try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await keepAlive.run() }
                var received: [String] = []
                // The listener's receive blocks for up to 2 s: off the concurrency pool.
                // Up to ten 2 s waits: a loaded machine (tests run in parallel) may delay a ping.
                for _ in 0..<10 where received.count < 3 {
                    health.heartbeat()
                    if let datagram = await Self.receive(listener) { received.append(datagram) }
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                return received
            }
        }
        #expect(received == ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"])
    }

    @Test func holdsTheKeepAliveBackWhenTheLoopMadeNoProgressWithinTheInterval() async throws {
        let listener = try SystemdNotifierTests.Listener()
        let clock = ManualClock()
        let health = WorkerHealth(now: { clock.now })
        clock.advance(by: .milliseconds(400))  // the last heartbeat is a whole interval ago
        let keepAlive = WatchdogKeepAlive(
            watchdogInterval: .milliseconds(400), notifier: SystemdNotifier(socketPath: listener.path), health: health,
            logger: Logger(label: "test"))
        let received: String? = try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await keepAlive.run() }
                let received = await Self.receive(listener)  // waits 2 s, four periods
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                return received
            }
        }
        #expect(received == nil, "no WATCHDOG=1 while the loop is wedged")
    }

    @Test func gracefulShutdownEndsIt() async {
        let keepAlive = WatchdogKeepAlive(
            watchdogInterval: .seconds(3600), notifier: SystemdNotifier(socketPath: nil), health: WorkerHealth())
        let clock = ContinuousClock()
        let start = clock.now
        await testGracefulShutdown { trigger in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await keepAlive.run() }
                trigger.triggerGracefulShutdown()
            }
        }
        // The interval is an hour; the bound tells "ended by the shutdown" from "waited the hour"
        // and leaves room for a starved cooperative pool (seen: 13 s in a parallel `swift test`).
        #expect(clock.now - start < .seconds(300))
    }

    /// The next datagram (or `nil` after the listener's 2 s timeout), received on a thread of its own.
    static func receive(_ listener: SystemdNotifierTests.Listener) async -> String? {
        let box = UncheckedListener(listener: listener)
        return await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: box.listener.receive()) }.start()
        }
    }

    private struct UncheckedListener: @unchecked Sendable {
        let listener: SystemdNotifierTests.Listener
    }
}
