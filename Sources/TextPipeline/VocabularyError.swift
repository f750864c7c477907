/// A vocabulary could not be built, read or written.
///
/// Every error names the file (or the in-memory source); an error about one entry also names
/// its 1-based line in `vocab.txt` (line = id + 1).
public struct VocabularyError: Error, Sendable, Equatable, CustomStringConvertible, LocatedError {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read (the system's message).
        case unreadable(String)
        /// The file could not be written (the system's message).
        case unwritable(String)
        /// The vocabulary holds no tokens.
        case empty
        /// The line is empty: a token cannot be empty.
        case emptyToken
        /// The line is not valid UTF-8.
        case invalidUTF8
        /// The token contains a whitespace character (Python `str.isspace()`), which no token can.
        case whitespaceInToken(String)
        /// The token already appeared, on line `firstLine` (compared by UTF-8 bytes).
        case duplicateToken(String, firstLine: Int)
        /// The line of special token `token`'s configured id holds `found` instead
        /// (`found` is `nil` when the id is beyond the last line).
        case missingSpecialToken(String, id: Int32, found: String?)
        /// Two special tokens are given the same id, or an id is negative.
        case invalidSpecialTokenIDs(SpecialTokens)
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
        case .unreadable(let why): return "\(place): cannot read the vocabulary (\(why))"
        case .unwritable(let why): return "\(place): cannot write the vocabulary (\(why))"
        case .empty: return "\(place): the vocabulary is empty"
        case .emptyToken: return "\(place): empty token"
        case .invalidUTF8: return "\(place): the token is not valid UTF-8"
        case .whitespaceInToken(let token): return "\(place): token \(token.debugDescription) contains whitespace"
        case .duplicateToken(let token, let firstLine):
            return "\(place): duplicate token \(token.debugDescription) (first on line \(firstLine))"
        case .missingSpecialToken(let token, let id, let found):
            let what = found.map { "holds \($0.debugDescription)" } ?? "does not exist"
            return "\(place): special token \(token) should have id \(id), but that line \(what)"
        case .invalidSpecialTokenIDs(let ids):
            return "\(place): special-token ids must be distinct and non-negative, got unk \(ids.unk), bos \(ids.bos), eos \(ids.eos), pad \(ids.pad)"
        }
    }
}
