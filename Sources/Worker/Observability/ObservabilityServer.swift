import FlyingFox
import FlyingSocks
import Foundation
import struct Logging.Logger
import Prometheus
import ServiceLifecycle
import Synchronization

/// The worker's observability HTTP server: `GET /metrics` (Prometheus), `GET /healthz`
/// (liveness), `GET /readyz` (readiness); see ``ObservabilityHTTPHandler`` for the responses.
///
/// Built on FlyingFox (non-blocking sockets, one child task per connection, an epoll loop on its
/// own dispatch queue, so it takes no thread from the worker's cooperative pool while idle).
///
/// Use from the executable: bootstrap before the worker creates its metrics, start before
/// `READY=1`, shut down after the worker drained:
///
/// ```swift
/// let registry = PrometheusBootstrap.bootstrap()
/// let metrics = WorkerMetrics()
/// // …
/// let server = ObservabilityServer(
///     address: try ObservabilityAddress(parsing: metricsAddress),  // "127.0.0.1:9464"
///     registry: registry, health: health, logger: logger)
/// try await server.start()        // binds now: a busy port throws .bindFailed here
/// try await worker.run()
/// await server.shutdown()
/// ```
///
/// or as a `Service` of a `ServiceGroup` (``run()``): graceful shutdown or cancellation stops it.
public actor ObservabilityServer: Service {
    /// The address asked for (port 0: any free port; see ``boundAddress``).
    public nonisolated let address: ObservabilityAddress
    private let registry: PrometheusCollectorRegistry
    private let health: WorkerHealth
    private let logger: Logger
    /// How long ``start()`` waits for the socket to listen.
    private let startTimeout: Duration

    private struct Running {
        var server: HTTPServer
        /// `server.run()`; its value is the error that ended it, `nil` when stopped.
        var task: Task<(any Error)?, Never>
        var boundAddress: ObservabilityAddress
        var quietErrors: HTTPServerLogger.QuietErrors
    }

    private var running: Running?
    private var starting = false

    /// - Parameters:
    ///   - address: where to listen (``ObservabilityAddress/default``: `127.0.0.1:9464`).
    ///   - registry: the metrics to expose, normally ``PrometheusBootstrap/bootstrap()``'s.
    ///   - health: the worker's readiness and liveness.
    ///   - logger: receives FlyingFox's messages one level lower than it rates them (requests at
    ///     debug) and this server's start and stop at info.
    ///   - startTimeout: the longest ``start()`` waits for the socket to listen. Default 10 s.
    public init(
        address: ObservabilityAddress = .default, registry: PrometheusCollectorRegistry,
        health: WorkerHealth, logger: Logger = Logger(label: "newsclf.observability"),
        startTimeout: Duration = .seconds(10)
    ) {
        self.address = address
        self.registry = registry
        self.health = health
        self.logger = logger
        self.startTimeout = startTimeout
    }

    /// The address the server listens on (the kernel's port when ``address`` asked for port 0),
    /// or `nil` while stopped.
    public var boundAddress: ObservabilityAddress? { running?.boundAddress }

    /// Binds ``address`` and starts serving in the background; returns once the socket listens.
    ///
    /// - Returns: the bound address (with the actual port when ``address`` had port 0).
    /// - Throws: ``ObservabilityServerError/bindFailed(_:message:)`` naming the address when the
    ///   socket cannot be bound (port in use, not a local address, no permission);
    ///   ``ObservabilityServerError/invalidAddress(_:reason:)`` for a host the socket layer
    ///   refuses; ``ObservabilityServerError/alreadyStarted(_:)`` when running;
    ///   ``ObservabilityServerError/startTimedOut(_:)`` when it does not listen within the start
    ///   timeout.
    @discardableResult
    public func start() async throws(ObservabilityServerError) -> ObservabilityAddress {
        guard running == nil, !starting else { throw .alreadyStarted(address) }
        starting = true
        defer { starting = false }

        let quietErrors = HTTPServerLogger.QuietErrors()
        let server = try makeHTTPServer(logger: HTTPServerLogger(logger: logger, quietErrors: quietErrors))
        let (events, continuation) = AsyncStream.makeStream(of: StartEvent.self)
        let task = Task<(any Error)?, Never> {
            do {
                try await server.run()
                continuation.yield(.stopped(nil))
                return nil
            } catch {
                continuation.yield(.stopped(error))
                return error
            }
        }
        let timeout = startTimeout
        let waiter = Task {
            do {
                try await server.waitUntilListening(timeout: timeout.timeInterval)
                continuation.yield(.listening)
            } catch {
                continuation.yield(.timedOut)
            }
        }
        var iterator = events.makeAsyncIterator()
        let first = await iterator.next()
        waiter.cancel()

        switch first {
        case .listening:
            let bound = Self.observabilityAddress(await server.listeningAddress) ?? address
            running = Running(server: server, task: task, boundAddress: bound, quietErrors: quietErrors)
            quietErrors.set(false)
            logger.info("observability server listening on http://\(bound) (/metrics, /healthz, /readyz)")
            return bound
        case .stopped(let error):
            throw .bindFailed(address, message: error.map(Self.describe) ?? "the server stopped while starting")
        case .timedOut, nil:
            task.cancel()
            _ = await task.value
            throw .startTimedOut(address)
        }
    }

    /// Stops listening and closes the connections, after waiting up to `timeout` for requests
    /// in flight (default 0: a scrape cut short is retried by Prometheus). Does nothing when not
    /// running.
    public func shutdown(timeout: Duration = .zero) async {
        guard let running else { return }
        self.running = nil
        running.quietErrors.set(true)
        await running.server.stop(timeout: timeout.timeInterval)
        running.task.cancel()
        _ = await running.task.value
        logger.info("observability server on http://\(running.boundAddress) stopped")
    }

    /// Serves until graceful shutdown (in a `ServiceGroup`) or cancellation, then shuts the
    /// server down. Starts it first (``start()``) unless it already runs: `newsclf-worker` starts
    /// it before the group, so that a busy port fails the start before systemd hears `READY=1`.
    ///
    /// - Throws: what ``start()`` throws, or ``ObservabilityServerError/serverFailed(_:message:)``
    ///   when the server stops on its own (its listening socket failed).
    public func run() async throws(ObservabilityServerError) {
        if running == nil { try await start() }
        guard let task = running?.task, let quietErrors = running?.quietErrors else { return }
        let asked = StopRequest()
        let error = await withTaskCancellationOrGracefulShutdownHandler {
            await task.value
        } onCancelOrGracefulShutdown: {
            asked.set()
            quietErrors.set(true)
            task.cancel()
        }
        let bound = running?.boundAddress ?? address
        await shutdown()
        if !asked.isSet {
            throw .serverFailed(bound, message: error.map(Self.describe) ?? "stopped")
        }
    }

    /// Whether ``run()``'s caller asked it to stop (graceful shutdown or cancellation).
    private final class StopRequest: Sendable {
        private let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }

    private enum StartEvent: Sendable {
        case listening
        case stopped((any Error)?)
        case timedOut
    }

    private func makeHTTPServer(logger serverLogger: HTTPServerLogger) throws(ObservabilityServerError) -> HTTPServer {
        let handler = ObservabilityHTTPHandler(registry: registry, health: health)
        do {
            switch address.family {
            case .ipv4:
                return HTTPServer(
                    address: try sockaddr_in.inet(ip4: address.host, port: address.port),
                    logger: serverLogger, handler: handler)
            case .ipv6:
                return HTTPServer(
                    address: try sockaddr_in6.inet6(ip6: address.host, port: address.port),
                    logger: serverLogger, handler: handler)
            }
        } catch {
            throw .invalidAddress(address.description, reason: Self.describe(error))
        }
    }

    private static func observabilityAddress(_ address: Socket.Address?) -> ObservabilityAddress? {
        switch address {
        case .ip4(let host, let port), .ip6(let host, let port):
            ObservabilityAddress(host: host, port: port)
        default:
            nil
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let socketError = error as? SocketError, case .failed(let type, let errno, _) = socketError {
            return "\(type.lowercased()) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        }
        return (error as? LocalizedError)?.errorDescription ?? String(describing: error)
    }
}

extension Duration {
    /// Seconds as `TimeInterval`, for FlyingFox's timeouts.
    fileprivate var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
