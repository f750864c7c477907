import Foundation

/// The word ↔ id mapping of a model (`vocab.txt`: one token a line, id = 0-based line number).
///
/// Tokens are keyed by their UTF-8 bytes, never by Swift `String` equality (which treats
/// canonically equivalent spellings such as `e` + U+0301 and `é` as equal): two tokens are the
/// same word exactly when Python would say so. A word not in the vocabulary maps to `<unk>`.
///
/// Build one from training text with ``VocabularyBuilder``; read and write `vocab.txt` with
/// ``init(contentsOf:specialTokens:)`` and ``write(to:)``. The four special tokens `<unk>`,
/// `<bos>`, `<eos>`, `<pad>` must sit at the ids of ``specialTokens`` (``SpecialTokens/standard``,
/// 0–3, unless a converted model says otherwise).
public struct Vocabulary: Sendable {
    /// The tokens and their lookup table, shared by copies (one reference to retain).
    private final class Storage: Sendable {
        let tokens: [String]
        let table: TokenTable

        init(tokens: [String], table: TokenTable) {
            self.tokens = tokens
            self.table = table
        }
    }

    private let storage: Storage
    /// The ids of the special tokens.
    public let specialTokens: SpecialTokens

    /// The tokens by id: `tokens[id]`.
    public var tokens: [String] { storage.tokens }

    /// The number of tokens (the embedding's row count, `vocab_size`).
    public var count: Int { tokens.count }

    /// A vocabulary with the given tokens, token `i` having id `i`.
    ///
    /// - Parameters:
    ///   - tokens: the tokens by id, special tokens included.
    ///   - specialTokens: where the special tokens must be.
    ///   - source: the name errors report.
    /// - Throws: ``VocabularyError`` for an empty list, an empty token, a token with whitespace,
    ///   a duplicate (by UTF-8 bytes), or a special token missing from its id.
    public init(tokens: [String], specialTokens: SpecialTokens = .standard, source: String = "vocabulary")
        throws(VocabularyError)
    {
        try self.init(lines: tokens.map { Array($0.utf8) }, specialTokens: specialTokens, source: source)
    }

    /// Reads a `vocab.txt` file: one token a line, UTF-8, LF line ends, id = 0-based line number.
    ///
    /// The last line's LF is optional (``write(to:)`` always writes it). CR is not a line end.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - specialTokens: the special-token ids the model uses (`config.json` `special_tokens`).
    /// - Throws: ``VocabularyError`` naming `url.path` and the offending line (an empty file,
    ///   an empty line, invalid UTF-8, whitespace in a token, a duplicate token, a special token
    ///   missing from its id).
    public init(contentsOf url: URL, specialTokens: SpecialTokens = .standard) throws(VocabularyError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VocabularyError(file: url.path, line: nil, kind: .unreadable(error.localizedDescription))
        }
        try self.init(vocabTxt: data, source: url.path, specialTokens: specialTokens)
    }

    /// Parses the bytes of a `vocab.txt` file; see ``init(contentsOf:specialTokens:)``.
    public init(vocabTxt data: Data, source: String, specialTokens: SpecialTokens = .standard)
        throws(VocabularyError)
    {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        try self.init(lines: lines, specialTokens: specialTokens, source: source)
    }

    private init(lines: [[UInt8]], specialTokens: SpecialTokens, source: String) throws(VocabularyError) {
        func fail(_ line: Int?, _ kind: VocabularyError.Kind) -> VocabularyError {
            VocabularyError(file: source, line: line, kind: kind)
        }
        guard !lines.isEmpty else { throw fail(nil, .empty) }
        let ids = specialTokens.entries.map(\.id)
        guard Set(ids).count == ids.count, ids.allSatisfy({ $0 >= 0 }) else {
            throw fail(nil, .invalidSpecialTokenIDs(specialTokens))
        }
        var tokens: [String] = []
        tokens.reserveCapacity(lines.count)
        var table = TokenTable()
        for (id, line) in lines.enumerated() {
            guard !line.isEmpty else { throw fail(id + 1, .emptyToken) }
            guard let token = String(validating: line, as: UTF8.self) else { throw fail(id + 1, .invalidUTF8) }
            if token.unicodeScalars.contains(where: { PythonUnicode.isSpace($0.value) }) {
                throw fail(id + 1, .whitespaceInToken(token))
            }
            let (index, inserted) = line.withUnsafeBufferPointer { table.insert($0) }
            guard inserted else { throw fail(id + 1, .duplicateToken(token, firstLine: index + 1)) }
            tokens.append(token)
        }
        for (name, id) in specialTokens.entries {
            let found = Int(id) < lines.count ? tokens[Int(id)] : nil
            guard let found, found.utf8.elementsEqual(name.utf8) else {
                throw fail(Int(id) + 1, .missingSpecialToken(name, id: id, found: found))
            }
        }
        self.storage = Storage(tokens: tokens, table: table)
        self.specialTokens = specialTokens
    }

    /// The id of `token`, or `<unk>`'s id if it is not in the vocabulary (compared by UTF-8 bytes).
    public func id(of token: String) -> Int32 {
        storage.table.index(of: token).map { Int32($0) } ?? specialTokens.unk
    }

    /// The id of the token whose UTF-8 bytes are `token`, or `<unk>`'s id.
    /// (The allocation-free form used with ``Tokenizer/forEachToken(in:_:)``.)
    public func id(ofUTF8 token: UnsafeBufferPointer<UInt8>) -> Int32 {
        storage.table.index(of: token).map { Int32($0) } ?? specialTokens.unk
    }

    /// The ids of `tokens`, in order (`<unk>`'s id for unknown words). No `<bos>`/`<eos>`:
    /// ``TextEncoder`` adds those.
    public func ids(of tokens: [String]) -> [Int32] {
        tokens.map { id(of: $0) }
    }

    /// Whether `token` is in the vocabulary (by UTF-8 bytes).
    public func contains(_ token: String) -> Bool {
        storage.table.index(of: token) != nil
    }

    /// The token with id `id`, or `nil` outside `0..<count`.
    public func token(for id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    /// The `vocab.txt` bytes: each token followed by LF, in id order.
    public var vocabTxt: Data {
        var data = Data()
        data.reserveCapacity(tokens.reduce(0) { $0 + $1.utf8.count + 1 })
        for token in tokens {
            data.append(contentsOf: token.utf8)
            data.append(UInt8(ascii: "\n"))
        }
        return data
    }

    /// Writes ``vocabTxt`` to `url` atomically (a temporary file renamed into place).
    ///
    /// - Throws: ``VocabularyError`` `.unwritable` naming `url.path`.
    public func write(to url: URL) throws(VocabularyError) {
        do {
            try vocabTxt.write(to: url, options: .atomic)
        } catch {
            throw VocabularyError(file: url.path, line: nil, kind: .unwritable(error.localizedDescription))
        }
    }
}

extension Vocabulary: Equatable {
    /// Equal when the special-token ids match and every token has the same UTF-8 bytes.
    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool {
        lhs.specialTokens == rhs.specialTokens && lhs.tokens.count == rhs.tokens.count
            && zip(lhs.tokens, rhs.tokens).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }
}
