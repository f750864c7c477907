import Dispatch
import Foundation
import Logging
import Synchronization
import Worker

/// Turns SIGTERM/SIGINT into a drain and SIGHUP into a model reload, with Dispatch signal
/// sources (the signals are ignored by the default disposition first, as Dispatch requires).
///
/// A second SIGTERM/SIGINT exits at once (status 1); a drain that takes longer than
/// `forcedExitAfter` also exits with status 1, so the process stops within a bounded time.
final class SignalHandlers {
    private let sources: [any DispatchSourceSignal]

    init(worker: ClassificationWorker, forcedExitAfter: Duration, logger: Logger) {
        let queue = DispatchQueue(label: "newsclf.worker.signals")
        var sources: [any DispatchSourceSignal] = []
        // When the first stop signal came. A second one more than a second later exits at once;
        // one sooner is the same stop delivered twice (`timeout` and shells signal the child
        // and then its process group).
        let firstStop = Mutex<ContinuousClock.Instant?>(nil)
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                let first = firstStop.withLock { first in
                    defer { first = first ?? .now }
                    return first
                }
                if let first {
                    guard ContinuousClock.now - first > .seconds(1) else { return }
                    logger.warning("second stop signal; exiting without draining")
                    exit(1)
                }
                logger.info("stop signal; draining", metadata: ["signal": "\(signalNumber)"])
                worker.requestStop()
                let seconds = Double(forcedExitAfter.components.seconds)
                queue.asyncAfter(deadline: .now() + seconds) {
                    logger.error("drain did not finish in time; exiting")
                    exit(1)
                }
            }
            source.resume()
            sources.append(source)
        }
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        reload.setEventHandler {
            logger.info("SIGHUP; reloading the model")
            worker.reloadModel()
        }
        reload.resume()
        sources.append(reload)
        self.sources = sources
    }
}
