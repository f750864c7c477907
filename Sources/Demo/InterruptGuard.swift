import Dispatch
import Foundation

/// While it is alive, SIGINT and SIGTERM to the demo stop the worker child first (SIGTERM: it
/// drains and exits), then end the demo with status 130 or 143, so that an interrupted demo leaves
/// no worker behind. ``cancel()`` restores the default handling.
final class InterruptGuard {
    private var sources: [any DispatchSourceSignal] = []
    private let signals: [(number: Int32, exitStatus: Int32)] = [(SIGINT, 130), (SIGTERM, 143)]

    /// - Parameter childPID: the worker's process id.
    init(childPID: Int32) {
        for (number, exitStatus) in signals {
            signal(number, SIG_IGN)  // the dispatch source receives it instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("\nnewsclf-demo: interrupted; stopping the worker (pid \(childPID))\n".utf8))
                kill(childPID, SIGTERM)
                // Up to 10 s for it to drain (kill(pid, 0) fails once it is gone and reaped).
                for _ in 0..<200 where kill(childPID, 0) == 0 { usleep(50_000) }
                exit(exitStatus)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Removes the handlers; the signals act as by default again.
    func cancel() {
        for source in sources { source.cancel() }
        sources = []
        for (number, _) in signals { signal(number, SIG_DFL) }
    }

    deinit {
        cancel()
    }
}
