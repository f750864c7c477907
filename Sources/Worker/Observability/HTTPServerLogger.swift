import FlyingSocks
import struct Logging.Logger
import Synchronization

/// Routes FlyingFox's log lines into swift-log, one level lower than FlyingFox rates them: it
/// logs every request at info, which for a scraped `/metrics` endpoint is noise at the worker's
/// default level. While ``ObservabilityServer`` starts (a bind failure becomes its typed error)
/// and once it shuts down (FlyingFox then reports its own cancellation as a "server error"),
/// FlyingFox's errors are expected and go to debug.
struct HTTPServerLogger: FlyingSocks.Logging {
    /// Whether FlyingFox's errors are reported by the owner instead (starting, shutting down).
    final class QuietErrors: Sendable {
        private let value = Atomic(true)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set(_ quiet: Bool) { value.store(quiet, ordering: .releasing) }
    }

    let logger: Logger
    let quietErrors: QuietErrors

    func logDebug(_ debug: @autoclosure () -> String) { logger.trace("\(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("\(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.notice("\(warning())") }
    func logError(_ error: @autoclosure () -> String) {
        quietErrors.isSet ? logger.debug("\(error())") : logger.warning("\(error())")
    }
    func logCritical(_ critical: @autoclosure () -> String) {
        quietErrors.isSet ? logger.debug("\(critical())") : logger.error("\(critical())")
    }
}
