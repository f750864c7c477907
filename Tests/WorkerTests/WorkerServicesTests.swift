import Logging
import ServiceLifecycle
import Synchronization
import Testing
import UnixSignals
import Worker

/// The order of `newsclf-worker`'s services and what the `ServiceGroup` does with it, with stub
/// services that record when they start and stop (no broker, no signals).
@Suite struct WorkerServicesTests {
    /// What the stubs did, in order: "start:name", "stop:name" (graceful shutdown) or
    /// "cancel:name".
    final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        func record(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
        func events(_ kind: String) -> [String] {
            all.filter { $0.hasPrefix(kind + ":") }.map { String($0.dropFirst(kind.count + 1)) }
        }
    }

    struct StubError: Error, Equatable {
        let service: String
    }

    /// Runs until graceful shutdown (or, with `finishes`, returns at once; with `fails`, throws).
    struct Stub: Service {
        let name: String
        let journal: Journal
        var finishes = false
        var fails = false
        /// Ignores graceful shutdown: returns only when cancelled, then throws (a drain that
        /// hangs, like ``ClassificationService`` cancelled past the deadline).
        var hangs = false

        func run() async throws {
            journal.record("start:\(name)")
            if fails { throw StubError(service: name) }
            if finishes {
                journal.record("finish:\(name)")
                return
            }
            if hangs {
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                journal.record("cancel:\(name)")
                throw StubError(service: name)
            }
            do {
                try await gracefulShutdown()
                journal.record("stop:\(name)")
            } catch {
                journal.record("cancel:\(name)")
            }
        }
    }

    static let startOrder = ["observability", "consumer-lag", "watchdog", "model-reload", "classification"]

    static func services(_ journal: Journal, classification: Stub? = nil, observability: Stub? = nil) -> WorkerServices {
        WorkerServices(
            observability: observability ?? Stub(name: "observability", journal: journal),
            consumerLag: Stub(name: "consumer-lag", journal: journal),
            watchdog: Stub(name: "watchdog", journal: journal),
            modelReload: Stub(name: "model-reload", journal: journal),
            classification: classification ?? Stub(name: "classification", journal: journal),
            drainTimeout: .seconds(10))
    }

    /// A group over `services` without signals (the test process keeps its own).
    static func group(_ services: WorkerServices) -> ServiceGroup {
        var configuration = services.groupConfiguration(logger: Logger(label: "test"))
        configuration.gracefulShutdownSignals = []
        return ServiceGroup(configuration: configuration)
    }

    static func waitUntilStarted(_ journal: Journal, count: Int = startOrder.count) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(10))
        while journal.events("start").count < count, clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try #require(journal.events("start").count == count)
    }

    @Test func servicesStartObservabilityFirstAndClassificationLast() {
        let journal = Journal()
        #expect(Self.services(journal).serviceConfigurations.map(\.serviceName) == Self.startOrder)
        var optional = Self.services(journal)
        optional.observability = nil
        optional.watchdog = nil
        #expect(optional.serviceConfigurations.map(\.serviceName) == ["consumer-lag", "model-reload", "classification"])
    }

    @Test func theGroupDrainsOnSIGTERMAndSIGINTWithinTheDrainDeadline() {
        let configuration = Self.services(Journal()).groupConfiguration(logger: Logger(label: "test"))
        #expect(configuration.gracefulShutdownSignals == [.sigterm, .sigint])
        #expect(configuration.cancellationSignals.isEmpty)
        #expect(configuration.maximumGracefulShutdownDuration == .seconds(10) + WorkerServices.drainMargin)
        #expect(configuration.maximumCancellationDuration == .seconds(5))
    }

    @Test func gracefulShutdownStopsClassificationFirstAndObservabilityLast() async throws {
        let journal = Journal()
        let group = Self.group(Self.services(journal))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitUntilStarted(journal)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(journal.events("stop") == Self.startOrder.reversed())
        #expect(journal.events("cancel").isEmpty)
    }

    @Test func whenClassificationFinishesTheOthersStopGracefullyInReverseOrder() async throws {
        let journal = Journal()
        let group = Self.group(
            Self.services(journal, classification: Stub(name: "classification", journal: journal, finishes: true)))
        try await group.run()
        #expect(journal.events("finish") == ["classification"])
        #expect(journal.events("stop") == ["model-reload", "watchdog", "consumer-lag", "observability"])
    }

    @Test func whenClassificationFailsTheGroupIsCancelledAndThrowsItsError() async throws {
        let journal = Journal()
        let group = Self.group(
            Self.services(journal, classification: Stub(name: "classification", journal: journal, fails: true)))
        await #expect(throws: StubError(service: "classification")) { try await group.run() }
        #expect(journal.events("stop").isEmpty)
        #expect(Set(journal.events("cancel")) == ["observability", "consumer-lag", "watchdog", "model-reload"])
    }

    @Test func whenObservabilityFailsTheWorkerStillDrainsAndTheGroupThrows() async throws {
        let journal = Journal()
        let group = Self.group(
            Self.services(journal, observability: Stub(name: "observability", journal: journal, fails: true)))
        await #expect(throws: StubError(service: "observability")) { try await group.run() }
        #expect(journal.events("stop") == ["classification", "model-reload", "watchdog", "consumer-lag"])
    }

    @Test func aDrainPastTheDeadlineCancelsTheGroupAndEndsWithTheClassificationError() async throws {
        let journal = Journal()
        var services = Self.services(journal, classification: Stub(name: "classification", journal: journal, hangs: true))
        services.maximumGracefulShutdownDuration = .milliseconds(100)
        let group = Self.group(services)
        let clock = ContinuousClock()
        var shutdownStart = clock.now
        await #expect(throws: StubError(service: "classification")) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Self.waitUntilStarted(journal)
                shutdownStart = clock.now
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        #expect(clock.now - shutdownStart < .seconds(5))
        #expect(Set(journal.events("cancel")) == Set(Self.startOrder), "the whole group is cancelled")
        #expect(journal.events("stop").isEmpty, "nothing shut down gracefully after the classification hung")
    }
}
