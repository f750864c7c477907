import Logging
import Synchronization

/// A swift-log handler that keeps every line logged through it, for tests that assert on the
/// log (levels and messages; metadata as text).
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: String
    }

    private let entries = Mutex<[Entry]>([])

    /// A logger writing into this recorder at `level` and above.
    func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "newsclf.test") { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    /// The lines so far.
    var lines: [Entry] { entries.withLock { $0 } }

    /// The warnings so far.
    var warnings: [String] { lines.filter { $0.level == .warning }.map(\.message) }

    fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.append(Entry(level: event.level, message: "\(event.message)", metadata: "\(merged)"))
        }
    }
}
