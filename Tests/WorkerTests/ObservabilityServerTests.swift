import CoreMetrics
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Prometheus
import Testing
import Worker

/// The server on 127.0.0.1 with a free port, a registry of its own (no global
/// `MetricsSystem.bootstrap`, which may run once per process), and real HTTP requests.
@Suite struct ObservabilityServerTests {
    /// An HTTP response as the tests read it.
    struct Fetched {
        var status: Int
        var contentType: String?
        var body: String
    }

    static func fetch(_ address: ObservabilityAddress, _ path: String, method: String = "GET") async throws -> Fetched {
        var request = URLRequest(url: URL(string: "http://\(address)\(path)")!)
        request.httpMethod = method
        request.cachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Fetched(
            status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
            body: String(decoding: data, as: UTF8.self))
    }

    /// Starts a server on a free loopback port, runs `body`, shuts the server down.
    static func withServer(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        health: WorkerHealth = WorkerHealth(livenessWindow: .seconds(3600)),
        _ body: (ObservabilityServer, ObservabilityAddress) async throws -> Void
    ) async throws {
        let server = ObservabilityServer(
            address: ObservabilityAddress(host: "127.0.0.1", port: 0), registry: registry, health: health)
        let bound = try await server.start()
        do {
            try await body(server, bound)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func startReportsTheKernelsPort() async throws {
        try await Self.withServer { server, bound in
            #expect(bound.host == "127.0.0.1")
            #expect(bound.port != 0)
            #expect(await server.boundAddress == bound)
        }
    }

    @Test func metricsServesACounterEmittedThroughSwiftMetrics() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusBootstrap.makeFactory(registry: registry)
        let consumed = Counter(
            label: "newsclf_messages_consumed_total",
            dimensions: [("topic", "news.raw"), ("partition", "2")], factory: factory)
        consumed.increment(by: 7)
        consumed.increment()
        try await Self.withServer(registry: registry) { _, bound in
            let response = try await Self.fetch(bound, "/metrics")
            #expect(response.status == 200)
            #expect(response.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = response.body.split(separator: "\n").map(String.init)
            #expect(lines.contains("# TYPE newsclf_messages_consumed_total counter"))
            #expect(lines.contains(#"newsclf_messages_consumed_total{topic="news.raw",partition="2"} 8"#))
        }
    }

    @Test func metricsFollowsLaterUpdates() async throws {
        let registry = PrometheusCollectorRegistry()
        let lag = Gauge(
            label: "newsclf_consumer_lag", dimensions: [("topic", "news.raw"), ("partition", "0")],
            factory: PrometheusBootstrap.makeFactory(registry: registry))
        try await Self.withServer(registry: registry) { _, bound in
            lag.record(120)
            let before = try await Self.fetch(bound, "/metrics").body
            #expect(before.contains(#"newsclf_consumer_lag{topic="news.raw",partition="0"} 120.0"#))
            lag.record(3)
            let after = try await Self.fetch(bound, "/metrics").body
            #expect(after.contains(#"newsclf_consumer_lag{topic="news.raw",partition="0"} 3.0"#))
        }
    }

    @Test func healthzFollowsLiveness() async throws {
        // A clock advanced by hand: the outcome does not depend on how fast requests are served.
        let clock = ManualClock()
        let health = WorkerHealth(livenessWindow: .seconds(5), now: { clock.now })
        try await Self.withServer(health: health) { _, bound in
            health.heartbeat()
            let live = try await Self.fetch(bound, "/healthz")
            #expect(live.status == 200)
            #expect(live.body == "live\n")
            clock.advance(by: .milliseconds(5001))
            let stale = try await Self.fetch(bound, "/healthz")
            #expect(stale.status == 503)
            #expect(stale.body == "not live\n")
            health.heartbeat()
            #expect(try await Self.fetch(bound, "/healthz").status == 200)
        }
    }

    @Test func readyzFollowsReadinessAndGivesTheReason() async throws {
        let health = WorkerHealth(livenessWindow: .seconds(3600))
        try await Self.withServer(health: health) { _, bound in
            let starting = try await Self.fetch(bound, "/readyz")
            #expect(starting.status == 503)
            #expect(starting.body == "not ready: starting\n")
            health.setReady(true)
            let ready = try await Self.fetch(bound, "/readyz")
            #expect(ready.status == 200)
            #expect(ready.body == "ready\n")
            health.setReady(false, reason: "draining")
            let draining = try await Self.fetch(bound, "/readyz")
            #expect(draining.status == 503)
            #expect(draining.body == "not ready: draining\n")
        }
    }

    @Test func queryStringsAreIgnored() async throws {
        try await Self.withServer { _, bound in
            let response = try await Self.fetch(bound, "/healthz?verbose=1")
            #expect(response.status == 200)
        }
    }

    @Test func unknownPathIsNotFound() async throws {
        try await Self.withServer { _, bound in
            let response = try await Self.fetch(bound, "/metrics/extra")
            #expect(response.status == 404)
            #expect(try await Self.fetch(bound, "/").status == 404)
        }
    }

    @Test func headHasTheStatusWithoutABody() async throws {
        let health = WorkerHealth(livenessWindow: .seconds(3600))
        try await Self.withServer(health: health) { _, bound in
            let response = try await Self.fetch(bound, "/readyz", method: "HEAD")
            #expect(response.status == 503)
            #expect(response.body.isEmpty)
        }
    }

    @Test func otherMethodsAreNotAllowed() async throws {
        try await Self.withServer { _, bound in
            let response = try await Self.fetch(bound, "/metrics", method: "POST")
            #expect(response.status == 405)
        }
    }

    @Test func addressInUseThrowsBindFailedNamingTheAddress() async throws {
        try await Self.withServer { _, bound in
            let second = ObservabilityServer(
                address: bound, registry: PrometheusCollectorRegistry(), health: WorkerHealth(livenessWindow: .seconds(3600)))
            let error = await #expect(throws: ObservabilityServerError.self) { try await second.start() }
            guard case .bindFailed(let address, let message) = error else {
                Issue.record("expected bindFailed, got \(String(describing: error))")
                return
            }
            #expect(address == bound)
            #expect(message.contains("in use"))
            #expect(error?.description.contains("\(bound)") == true)
            #expect(await second.boundAddress == nil)
        }
    }

    @Test func startingTwiceThrowsAlreadyStarted() async throws {
        try await Self.withServer { server, _ in
            await #expect(throws: ObservabilityServerError.alreadyStarted(server.address)) {
                try await server.start()
            }
        }
    }

    @Test func shutdownReleasesThePort() async throws {
        let first = ObservabilityServer(
            address: ObservabilityAddress(host: "127.0.0.1", port: 0), registry: PrometheusCollectorRegistry(),
            health: WorkerHealth(livenessWindow: .seconds(3600)))
        let bound = try await first.start()
        await first.shutdown()
        #expect(await first.boundAddress == nil)
        let second = ObservabilityServer(address: bound, registry: PrometheusCollectorRegistry(), health: WorkerHealth(livenessWindow: .seconds(3600)))
        #expect(try await second.start() == bound)
        #expect(try await Self.fetch(bound, "/healthz").status == 200)
        await second.shutdown()
    }

    @Test func runServesUntilCancelled() async throws {
        let server = ObservabilityServer(
            address: ObservabilityAddress(host: "127.0.0.1", port: 0), registry: PrometheusCollectorRegistry(),
            health: WorkerHealth(livenessWindow: .seconds(3600)))
        let running = Task { try await server.run() }
        var bound: ObservabilityAddress?
        for _ in 0..<500 where bound == nil {
            bound = await server.boundAddress
            if bound == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let address = try #require(bound)
        #expect(try await Self.fetch(address, "/healthz").status == 200)
        running.cancel()
        try await running.value
        #expect(await server.boundAddress == nil)
        await #expect(throws: (any Error).self) { try await Self.fetch(address, "/healthz") }
    }

    @Test func ipv6LoopbackServes() async throws {
        let server = ObservabilityServer(
            address: try ObservabilityAddress(parsing: "[::1]:0"), registry: PrometheusCollectorRegistry(),
            health: WorkerHealth(livenessWindow: .seconds(3600)))
        let bound: ObservabilityAddress
        do {
            bound = try await server.start()
        } catch .bindFailed {
            return  // no IPv6 loopback on this machine; nothing to check
        }
        // (Foundation's URLSession on Linux refuses IPv6-literal URLs, so this checks the bind.)
        #expect(bound.host == "::1")
        #expect(bound.port != 0)
        await server.shutdown()
    }

    @Test func unparsableHostIsRefusedBeforeBinding() async throws {
        let server = ObservabilityServer(
            address: ObservabilityAddress(host: "300.1.1.1", port: 0), registry: PrometheusCollectorRegistry(),
            health: WorkerHealth(livenessWindow: .seconds(3600)))
        await #expect(throws: ObservabilityServerError.self) { try await server.start() }
    }
}
