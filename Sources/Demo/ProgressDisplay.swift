import Foundation

/// The demo's progress while it streams: a bar redrawn in place on a terminal, or a plain line
/// every 10 % otherwise (logs, pipes, CI).
public struct ProgressDisplay: Sendable {
    /// How progress is shown.
    public enum Style: Sendable, Equatable {
        /// A bar on one line, redrawn with a carriage return.
        case bar
        /// A line at every tenth of the total.
        case lines
    }

    /// The total to reach.
    public let total: Int
    /// How it is shown.
    public let style: Style
    private var lastTenth = -1
    private var lastDrawn: ContinuousClock.Instant?

    /// - Parameters:
    ///   - total: the number of answers expected (items plus malformed inputs).
    ///   - style: `.bar` for a terminal.
    public init(total: Int, style: Style) {
        self.total = max(total, 1)
        self.style = style
    }

    /// The style for standard output: a bar when it is a terminal.
    public static var standardOutputStyle: Style { isatty(STDOUT_FILENO) == 1 ? .bar : .lines }

    /// The text to write for `done` answers after `elapsed` (nil when nothing needs writing now).
    /// A bar starts with a carriage return and has no line end; a line ends with one.
    public mutating func update(done: Int, sent: Int, elapsed: Duration, now: ContinuousClock.Instant = .now) -> String? {
        let fraction = min(1, Double(done) / Double(total))
        let seconds = elapsed / .seconds(1)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        switch style {
        case .bar:
            if let lastDrawn, now - lastDrawn < .milliseconds(100), done < total { return nil }
            lastDrawn = now
            let width = 30
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            return "\r[\(bar)] " + String(
                format: "%5.1f %%  %d/%d answered, %d sent, %.0f items/s, %.1f s ", fraction * 100, done, total, sent,
                rate, seconds)
        case .lines:
            let tenth = Int((fraction * 10).rounded(.down))
            guard tenth > lastTenth else { return nil }
            lastTenth = tenth
            return String(format: "progress: %d/%d answered (%.0f %%), %d sent, %.1f s\n", done, total, fraction * 100, sent, seconds)
        }
    }

    /// What ends the display: a line end after a bar, nothing after lines.
    public var finish: String { style == .bar ? "\n" : "" }
}
