import CommandLineSupport
import Foundation

/// While it is alive, SIGINT and SIGTERM to the demo stop the worker child first (SIGTERM: it
/// drains and exits), then end the demo with status 130 or 143, so that an interrupted demo leaves
/// no worker behind. ``cancel()`` restores the default handling.
final class InterruptGuard {
    private let observer: SignalObserver

    /// - Parameter childPID: the worker's process id.
    init(childPID: Int32) {
        observer = SignalObserver([SIGINT, SIGTERM]) { number in
            FileHandle.standardError.write(Data("\nnewsclf-demo: interrupted; stopping the worker (pid \(childPID))\n".utf8))
            kill(childPID, SIGTERM)
            // Up to 10 s for it to drain (kill(pid, 0) fails once it is gone and reaped).
            for _ in 0..<200 where kill(childPID, 0) == 0 { usleep(50_000) }
            exit(number == SIGINT ? 130 : 143)
        }
    }

    /// Removes the handlers; the signals act as by default again.
    func cancel() {
        observer.cancel()
    }
}
