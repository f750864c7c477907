/// Why the observability HTTP server could not start.
public enum ObservabilityServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `metrics_address` text is not `host:port` with a numeric host.
    case invalidAddress(String, reason: String)
    /// The socket could not be bound or listened on (`EADDRINUSE`: another process has the port;
    /// `EACCES`: a port below 1024 without the capability; `EADDRNOTAVAIL`: not a local address).
    case bindFailed(ObservabilityAddress, message: String)
    /// The server did not report listening within the start timeout.
    case startTimedOut(ObservabilityAddress)
    /// ``ObservabilityServer/start()`` was called on a server that is already running.
    case alreadyStarted(ObservabilityAddress)
    /// The server stopped serving on its own (its listening socket failed).
    case serverFailed(ObservabilityAddress, message: String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let reason):
            "invalid metrics address '\(text)': \(reason)"
        case .bindFailed(let address, let message):
            "cannot listen on \(address) for /metrics, /healthz, /readyz: \(message)"
        case .startTimedOut(let address):
            "the observability server on \(address) did not start listening in time"
        case .alreadyStarted(let address):
            "the observability server on \(address) is already running"
        case .serverFailed(let address, let message):
            "the observability server on \(address) stopped: \(message)"
        }
    }
}
