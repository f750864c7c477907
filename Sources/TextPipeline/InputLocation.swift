/// Where in an input file something is: the file (a path, or the name of an in-memory source)
/// and, for an error about one row or entry, its 1-based line.
///
/// ``description`` is how every located error begins: `FILE:LINE`, or `FILE` without a line.
public struct InputLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file (path) or source.
    public var file: String
    /// The 1-based line, if the location is one row or entry.
    public var line: Int?

    public init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }

    /// `FILE:LINE`, or `FILE`.
    public var description: String { line.map { "\(file):\($0)" } ?? file }
}
