import Foundation

/// Where the demo writes: standard output, flushed after every write so that progress shows at
/// once.
public struct DemoConsole: Sendable {
    /// The progress style (a bar on a terminal).
    public var progressStyle: ProgressDisplay.Style

    public init(progressStyle: ProgressDisplay.Style = ProgressDisplay.standardOutputStyle) {
        self.progressStyle = progressStyle
    }

    /// Writes `text` followed by a line end.
    public func line(_ text: String) {
        write(text + "\n")
    }

    /// Writes `text` as is.
    public func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
