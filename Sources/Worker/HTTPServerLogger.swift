import FlyingSocks
import struct Logging.Logger
import Synchronization

/// Routes FlyingFox's log lines into swift-log, one level lower than FlyingFox rates them: it
/// logs every request at info, which for a scraped `/metrics` endpoint is noise at the worker's
/// default level. Once ``ObservabilityServer/shutdown(timeout:)`` has begun, FlyingFox's
/// "server error" about its own cancellation is expected and goes to debug.
struct HTTPServerLogger: FlyingSocks.Logging {
    /// Set when the owner begins a shutdown.
    final class ShutdownFlag: Sendable {
        private let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }

    let logger: Logger
    let shuttingDown: ShutdownFlag

    func logDebug(_ debug: @autoclosure () -> String) { logger.trace("\(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("\(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.notice("\(warning())") }
    func logError(_ error: @autoclosure () -> String) {
        shuttingDown.isSet ? logger.debug("\(error())") : logger.warning("\(error())")
    }
    func logCritical(_ critical: @autoclosure () -> String) {
        shuttingDown.isSet ? logger.debug("\(critical())") : logger.error("\(critical())")
    }
}
