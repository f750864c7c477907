import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Receives signals through Dispatch signal sources (`DispatchSource.makeSignalSource`), the
/// way the newsclf executables stop, drain and reload. Each signal's disposition is set to
/// `SIG_IGN` first, as Dispatch requires (otherwise the default action, such as terminating the
/// process, still runs), and back to `SIG_DFL` by ``cancel()`` or when the observer is released:
/// keep it alive for as long as the handling should last.
public final class SignalObserver {
    private let signals: [Int32]
    private var sources: [any DispatchSourceSignal]

    /// Starts calling `handler` with the signal's number, on `queue`, for each of `signals`
    /// that arrives.
    public init(
        _ signals: [Int32], queue: DispatchQueue = .global(), handler: @escaping @Sendable (Int32) -> Void
    ) {
        self.signals = signals
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Stops the handling; the signals act as by default again.
    public func cancel() {
        guard !sources.isEmpty else { return }
        for source in sources { source.cancel() }
        sources = []
        for number in signals { signal(number, SIG_DFL) }
    }

    deinit {
        cancel()
    }
}
