import CommandLineSupport
import Dispatch
import Foundation
import Logging
import Synchronization
import Worker

/// Turns SIGTERM/SIGINT into a drain and SIGHUP into a model reload, with Dispatch signal
/// sources (the signals are ignored by the default disposition first, as Dispatch requires).
///
/// Installed as soon as the configuration is known, before the model loads: a stop signal that
/// arrives before a worker is attached (``attach(_:)``) exits at once with status 0, since
/// nothing has been consumed yet; a SIGHUP then is ignored (the model being loaded is the
/// current one). A second SIGTERM/SIGINT exits at once (status 1); a drain that takes longer than
/// `forcedExitAfter` also exits with status 1, so the process stops within a bounded time.
final class SignalHandlers {
    private let observers: [SignalObserver]
    /// The worker the signals act on, once attached (shared with the signal handlers).
    private final class Slot: Sendable {
        let worker = Mutex<ClassificationWorker?>(nil)
        /// A SIGHUP came before the worker was attached (the model may have changed since it loaded).
        let reloadPending = Atomic<Bool>(false)
    }
    private let slot = Slot()

    init(forcedExitAfter: Duration, logger: Logger) {
        let queue = DispatchQueue(label: "newsclf.worker.signals")
        // When the first stop signal came. A second one more than a second later exits at once;
        // one sooner is the same stop delivered twice (`timeout` and shells signal the child
        // and then its process group).
        let firstStop = Mutex<ContinuousClock.Instant?>(nil)
        let attached = slot
        let stop = SignalObserver([SIGTERM, SIGINT], queue: queue) { signalNumber in
            let first = firstStop.withLock { first in
                defer { first = first ?? .now }
                return first
            }
            if let first {
                guard ContinuousClock.now - first > .seconds(1) else { return }
                logger.warning("second stop signal; exiting without draining")
                exit(1)
            }
            // Under the lock, so that `attach` either sees this stop or is seen by it.
            let stopping = attached.worker.withLock { worker -> Bool in
                worker?.requestStop()
                return worker != nil
            }
            guard stopping else {
                // Nothing consumed yet, nothing to clean up: `_exit`, not `exit`, since the
                // main thread may be inside OpenBLAS or librdkafka, whose exit-time
                // destructors must not run under it.
                logger.info("stop signal before the worker started; exiting", metadata: ["signal": "\(signalNumber)"])
                fflush(nil)
                _exit(0)
            }
            logger.info("stop signal; draining", metadata: ["signal": "\(signalNumber)"])
            let seconds = Double(forcedExitAfter.components.seconds)
            queue.asyncAfter(deadline: .now() + seconds) {
                logger.error("drain did not finish in time; exiting")
                exit(1)
            }
        }
        let reload = SignalObserver([SIGHUP], queue: queue) { _ in
            let worker = attached.worker.withLock { worker in
                if worker == nil { attached.reloadPending.store(true, ordering: .releasing) }
                return worker
            }
            guard let worker else {
                logger.info("SIGHUP while starting; the model is reloaded once the worker runs")
                return
            }
            logger.info("SIGHUP; reloading the model")
            worker.reloadModel()
        }
        observers = [stop, reload]
    }

    /// From now on a stop signal drains `worker` and SIGHUP reloads its model; a SIGHUP that came
    /// while starting reloads it now.
    func attach(_ worker: ClassificationWorker) {
        slot.worker.withLock { $0 = worker }
        if slot.reloadPending.exchange(false, ordering: .acquiringAndReleasing) { worker.reloadModel() }
    }
}
