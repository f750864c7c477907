import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the model on SIGHUP (systemd's `ExecReload=kill -HUP $MAINPID`), until graceful
/// shutdown or cancellation.
///
/// `newsclf-worker` traps SIGHUP (`UnixSignalsSequence(trapping: .sighup)`) before the slow part of
/// starting and passes that sequence as the requests: a SIGHUP that arrives while the model
/// loads waits in the sequence and reloads once the service runs (the configured path may point
/// to a newer model by then).
public struct ModelReloadService: Service, CustomStringConvertible {
    private let requests: any AsyncSequence<UnixSignal, Never> & Sendable
    private let logger: Logger
    private let reload: @Sendable () async -> Void

    /// - Parameters:
    ///   - requests: one element per reload to do (normally SIGHUP's ``UnixSignalsSequence``).
    ///   - logger: an info line per reload.
    ///   - reload: the reload, normally ``ClassificationWorker/reloadModel()``; the next request
    ///     is read once it returns.
    public init(
        requests: some AsyncSequence<UnixSignal, Never> & Sendable, logger: Logger = Logger(label: "newsclf.worker"),
        reload: @escaping @Sendable () async -> Void
    ) {
        self.requests = requests
        self.logger = logger
        self.reload = reload
    }

    public var description: String { "ModelReloadService" }

    /// Reloads once per request; returns on graceful shutdown, cancellation, or when the requests end.
    public func run() async {
        let (requests, logger, reload) = (requests, logger, reload)
        await cancelWhenGracefulShutdown {
            for await signal in requests {
                guard !Task.isCancelled else { return }
                logger.info("\(signal); reloading the model")
                await reload()
            }
        }
    }
}
