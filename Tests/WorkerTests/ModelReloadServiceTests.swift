import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import UnixSignals
import Worker

/// The SIGHUP reload service, fed a stream instead of the process's signals.
@Suite struct ModelReloadServiceTests {
    @Test func reloadsOncePerRequestIncludingThoseThatCameBeforeItRan() async throws {
        let (requests, continuation) = AsyncStream<UnixSignal>.makeStream()
        continuation.yield(.sighup)  // while starting: waits for the service
        let reloads = CallCounter()
        let service = ModelReloadService(requests: requests) { reloads.increment() }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await service.run() }
                try await Self.wait { reloads.value == 1 }
                continuation.yield(.sighup)
                try await Self.wait { reloads.value == 2 }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(reloads.value == 2)
    }

    @Test func gracefulShutdownEndsItWithoutAReload() async throws {
        let (requests, _) = AsyncStream<UnixSignal>.makeStream()
        let reloads = CallCounter()
        let service = ModelReloadService(requests: requests) { reloads.increment() }
        await testGracefulShutdown { trigger in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await service.run() }
                trigger.triggerGracefulShutdown()
            }
        }
        #expect(reloads.value == 0)
    }

    @Test func endsWhenTheRequestsEnd() async {
        let (requests, continuation) = AsyncStream<UnixSignal>.makeStream()
        continuation.finish()
        await ModelReloadService(requests: requests) {}.run()
    }

    static func wait(until condition: () -> Bool) async throws {
        let clock = ContinuousClock()
        // Generous: a parallel `swift test` on two cores can starve the cooperative pool for seconds.
        let deadline = clock.now.advanced(by: .seconds(120))
        while !condition(), clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try #require(condition())
    }
}
