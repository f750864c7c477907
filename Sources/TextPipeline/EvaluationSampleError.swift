/// An evaluation-sample index file could not be read.
///
/// Every error names the file; an error about an entry also names its 1-based line.
public struct EvaluationSampleError: Error, Sendable, Equatable, CustomStringConvertible, LocatedError {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read (the system's message).
        case unreadable(String)
        /// The file holds no indices.
        case empty
        /// The line is not a non-negative decimal integer (the line as read).
        case notAnIndex(String)
        /// The index does not address a row of a split with `rowCount` rows.
        case indexOutOfRange(index: Int, rowCount: Int)
    }

    /// The file (path) or source the error is about and, if it is about one entry, its line.
    public var location: InputLocation
    /// What went wrong.
    public var kind: Kind

    public init(file: String, line: Int?, kind: Kind) {
        self.location = InputLocation(file: file, line: line)
        self.kind = kind
    }

    public var description: String {
        let place = location.description
        switch kind {
        case .unreadable(let why): return "\(place): cannot read the file (\(why))"
        case .empty: return "\(place): the file holds no indices"
        case .notAnIndex(let text): return "\(place): \"\(text)\" is not a non-negative row index"
        case .indexOutOfRange(let index, let rowCount):
            return "\(place): row index \(index) is outside the split's \(rowCount) rows"
        }
    }
}
