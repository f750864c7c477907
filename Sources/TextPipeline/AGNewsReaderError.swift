/// An AG News CSV file could not be read.
///
/// Every error names the file; an error about a row also names its 1-based line.
public struct AGNewsReaderError: Error, Sendable, Equatable, CustomStringConvertible, LocatedError {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read (the system's message).
        case unreadable(String)
        /// The file is gzip but could not be decompressed (truncated or corrupt).
        case gzip(GzipError)
        /// The file holds no rows.
        case empty
        /// The line is empty (a row needs three fields).
        case emptyLine
        /// The row has `found` fields instead of 3.
        case wrongFieldCount(found: Int)
        /// A quoted field is not closed before the end of the line (fields never span lines).
        case unterminatedQuote(field: Int)
        /// Text follows a field's closing quote instead of `,` or the end of the line.
        case textAfterClosingQuote(field: Int)
        /// A `"` inside a field that does not start with a quote.
        case quoteInUnquotedField(field: Int)
        /// The class field is not one of `1`, `2`, `3`, `4` (the value as read).
        case invalidClass(String)
        /// The title or description is not valid UTF-8.
        case invalidUTF8
    }

    /// The file (path) or source the error is about and, if it is about one row, its line.
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
        case .gzip(let error): return "\(place): \(error)"
        case .empty: return "\(place): the file holds no rows"
        case .emptyLine: return "\(place): empty line (expected \"class\",\"title\",\"description\")"
        case .wrongFieldCount(let found): return "\(place): expected 3 fields, found \(found)"
        case .unterminatedQuote(let field): return "\(place): field \(field): quote not closed before the end of the line"
        case .textAfterClosingQuote(let field): return "\(place): field \(field): text after the closing quote"
        case .quoteInUnquotedField(let field): return "\(place): field \(field): quote inside an unquoted field"
        case .invalidClass(let value): return "\(place): class must be 1, 2, 3 or 4, found \"\(value)\""
        case .invalidUTF8: return "\(place): the title or description is not valid UTF-8"
        }
    }
}
