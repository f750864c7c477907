import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import Worker

/// What SIGTERM and SIGINT do beyond the `ServiceGroup`'s graceful shutdown (the group drains
/// on the first one; see `WorkerServices`).
///
/// Trapped as soon as the configuration is known, before anything slow (topics, model):
/// - while starting, a stop signal exits at once with status 0: nothing has been consumed yet.
///   `_exit`, not `exit`, since another thread may be inside OpenBLAS or librdkafka, whose
///   exit-time destructors must not run under it;
/// - once ``handOver(to:)`` gave it the group, the first stop signal also triggers the group's
///   graceful shutdown (which covers a signal that arrives before the group has trapped the
///   signals itself), and a second one more than a second after the first exits at once with
///   status 1, without draining. One sooner is the same stop delivered twice (`timeout` and
///   shells signal the child and then its process group).
final class StopSignalWatcher: Sendable {
    private enum Phase {
        case starting
        case running(ServiceGroup)
        case stopping(ServiceGroup, since: ContinuousClock.Instant)
    }

    private let phase = Mutex(Phase.starting)
    private let logger: Logger

    /// Traps SIGTERM and SIGINT from now on, for the rest of the process.
    init(logger: Logger) async {
        self.logger = logger
        let signals = await UnixSignalsSequence(trapping: WorkerServices.gracefulShutdownSignals)
        Task { [self] in
            for await signal in signals { await handle(signal) }
        }
    }

    /// From now on a stop signal drains through `group` (it is about to run).
    func handOver(to group: ServiceGroup) {
        phase.withLock { phase in
            if case .starting = phase { phase = .running(group) }
        }
    }

    private func handle(_ signal: UnixSignal) async {
        let now = ContinuousClock.now
        let group: ServiceGroup? = phase.withLock { phase in
            switch phase {
            case .starting:
                logger.info("stop signal before the worker started; exiting", metadata: ["signal": "\(signal)"])
                fflush(nil)
                _exit(0)
            case .running(let group):
                phase = .stopping(group, since: now)
                return group
            case .stopping(_, let since):
                guard now - since > .seconds(1) else { return nil }
                logger.warning("second stop signal; exiting without draining", metadata: ["signal": "\(signal)"])
                exit(1)
            }
        }
        guard let group else { return }
        logger.info("stop signal; draining", metadata: ["signal": "\(signal)"])
        await group.triggerGracefulShutdown()
    }
}
