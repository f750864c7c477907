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

/// An error about a place in an input file (``InputLocation``): the file and line come from
/// its ``location``, and its description begins with it.
public protocol LocatedError: Error, CustomStringConvertible {
    /// Where the problem is.
    var location: InputLocation { get }
}

extension LocatedError {
    /// The file (path) or source the error is about.
    public var file: String { location.file }
    /// The 1-based line, if the error is about one row or entry.
    public var line: Int? { location.line }
}
