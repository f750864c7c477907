import Foundation
import UnixSignals

/// While it is alive, SIGINT and SIGTERM to the demo stop the worker child first (SIGTERM: it
/// drains and exits), then end the demo with status 130 or 143, so that an interrupted demo leaves
/// no worker behind. The signals come through swift-service-lifecycle's `UnixSignalsSequence`;
/// ``cancel()`` stops the handling.
final class InterruptGuard: Sendable {
    private let watcher: Task<Void, Never>

    /// Traps SIGINT and SIGTERM from now on.
    ///
    /// - Parameter childPID: the worker's process id.
    init(childPID: Int32) async {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        watcher = Task {
            for await signal in signals {
                FileHandle.standardError.write(
                    Data("\nnewsclf-demo: interrupted; stopping the worker (pid \(childPID))\n".utf8))
                kill(childPID, SIGTERM)
                // Up to 10 s for it to drain (kill(pid, 0) fails once it is gone and reaped).
                for _ in 0..<200 where kill(childPID, 0) == 0 { try? await Task.sleep(for: .milliseconds(50)) }
                exit(signal == .sigint ? 130 : 143)
            }
        }
    }

    /// Stops the handling.
    func cancel() {
        watcher.cancel()
    }
}
