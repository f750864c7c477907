/// The reference notebook's tokenizer, reproduced token for token.
///
/// For ``Preprocessing/notebookV1`` a text goes through exactly what the notebook ran
/// (Python 3.11, NLTK 3.10.4):
///
/// ```python
/// clean  = text.lower().translate(str.maketrans('', '', string.punctuation))
/// tokens = nltk.word_tokenize(clean)        # == NLTKWordTokenizer().tokenize(clean) here
/// ```
///
/// 1. **`str.lower()`**: the full Unicode lower-case mapping (`İ` → `i̇`, two scalars) with the
///    Final_Sigma rule (`ΟΔΟΣ` → `οδος`). Swift's `lowercased()` has no final-sigma rule, so
///    this type lower-cases scalar by scalar itself.
/// 2. **Delete the 32 ASCII punctuation characters** ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
///    Nothing else is removed: Unicode quotes, dashes, `…`, CJK punctuation and emoji stay.
/// 3. **NLTK's Treebank rules that can still fire** (everything else needs ASCII punctuation):
///    the quotes `« “ ‘ „ » ” ’` and the dashes U+2012–U+2015 become tokens of their own; the
///    contractions `cannot gimme gonna gotta lemme wanna` split in two (`can not`, `wan na`) when
///    they are a whole `\w` run in Python's sense; then `str.split()`.
///    `word_tokenize`'s sentence splitting (Punkt) is a no-op here: Punkt only breaks after
///    `.`, `?` or `!`, which step 2 removed.
///
/// ## Where Swift's `String` differs from Python's `str`, and what this type does
///
/// - Python iterates code points; Swift's `Character` is a grapheme cluster (`"\r\n"`,
///   `". + U+0301"`, emoji ZWJ sequences are one `Character`). This type works on Unicode
///   scalars (in fact on UTF-8 bytes), never on `Character`s.
/// - Whitespace is `str.isspace()`, which includes U+001C–U+001F; Swift's `isWhitespace` does not.
/// - Python's `\b` / `\w` treat combining marks as non-word characters, so `cannot` + U+0301
///   splits (`can`, `not`, `́`); a Swift `Character`-based check would not split it.
/// - Swift's `String ==` and hashing use canonical equivalence (`"e\u{301}" == "é"`); Python
///   compares code points. **Documented choice:** ``Preprocessing/notebookV1`` keeps every scalar
///   as Python does; it does *not* normalise, so `café` written with U+0301 and `café` written
///   precomposed are two different tokens (different UTF-8 bytes), as in the notebook's
///   vocabulary. Compare tokens by their UTF-8 bytes (as ``Vocabulary`` does), not with
///   `String ==`. ``Preprocessing/normalizedV1`` applies NFKC first, which makes them one token.
/// - Python 3.11's Unicode database is version 14.0; characters assigned later are treated as
///   Python 3.11 treats them (unassigned: not lower-cased, not word characters).
///
/// AG News is pure ASCII, so the common path works directly on UTF-8 bytes (no `Character`s,
/// no per-token allocation in ``forEachToken(in:_:)``); other text takes a scalar-by-scalar path
/// that gives the same tokens for ASCII.
public struct Tokenizer: Sendable, Hashable {
    /// The preprocessing this tokenizer applies.
    public let preprocessing: Preprocessing

    /// A tokenizer for `preprocessing` (the notebook's, by default).
    public init(preprocessing: Preprocessing = .notebookV1) {
        self.preprocessing = preprocessing
    }

    /// The tokens of `text`, in order.
    ///
    /// Each token is a `String` holding exactly the scalars Python would produce (no
    /// normalisation); compare tokens by `utf8`, not with `==` (see the type's discussion).
    public func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        forEachToken(in: text) { tokens.append(String(decoding: $0, as: UTF8.self)) }
        return tokens
    }

    /// Calls `body` with the UTF-8 bytes of each token of `text`, in order, without building
    /// a `String` per token (the buffer is valid only during the call).
    public func forEachToken(
        in text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        try forEachToken(in: text, asciiFastPath: true, body)
    }

    /// The text as NLTK's tokenizer receives it: after ``Preprocessing/normalizedV1``'s
    /// normalisation if selected, lower-cased by Python's rules, ASCII punctuation deleted.
    /// (Python: `text.lower().translate(str.maketrans('', '', string.punctuation))`.)
    public func clean(_ text: String) -> String {
        let source = preprocessing == .normalizedV1 ? AGNewsNormalizer.normalize(text) : text
        return String(decoding: Self.cleanScalarByScalar(source), as: UTF8.self)
    }

    /// `forEachToken` with the ASCII fast path optional (tests compare both paths).
    func forEachToken(
        in text: String, asciiFastPath: Bool, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        let source = preprocessing == .normalizedV1 ? AGNewsNormalizer.normalize(text) : text
        if asciiFastPath {
            let done = try source.utf8.withContiguousStorageIfAvailable { utf8 in
                try Self.splitIfASCII(utf8, body)
            }
            if done == true { return }
        }
        let cleaned = Self.cleanScalarByScalar(source)
        try cleaned.withUnsafeBufferPointer { try TreebankWordSplitter.split($0, body) }
    }

    /// The ASCII path: lower-cases and strips `utf8` into a stack buffer and splits it.
    /// Returns `false`, having called nothing, if `utf8` holds a non-ASCII byte.
    private static func splitIfASCII(
        _ utf8: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows -> Bool {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(utf8.count, 1)) { buffer in
            // Branch-free compaction: every byte is written, the count advances only for kept ones.
            var count = 0
            var seen: UInt8 = 0
            for byte in utf8 {
                seen |= byte
                buffer[count] = byte &- 0x41 < 26 ? byte | 0x20 : byte
                count &+= 1 &- punctuationBit(byte)
            }
            if seen >= 0x80 { return false }
            try TreebankWordSplitter.splitASCII(UnsafeBufferPointer(rebasing: buffer[0..<count]), body)
            return true
        }
    }

    /// Whether `byte` is one of Python's `string.punctuation` (the 32 ASCII punctuation
    /// characters 0x21–0x2F, 0x3A–0x40, 0x5B–0x60, 0x7B–0x7E).
    @inline(__always)
    static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        byte &- 0x21 < 15 || byte &- 0x3A < 7 || byte &- 0x5B < 6 || byte &- 0x7B < 4
    }

    /// 1 if `byte` is in `string.punctuation`, else 0, without branches: bit `byte` of a 128-bit
    /// set held as two words (bytes 0–63, bytes 64–127). Meaningless for bytes ≥ 0x80.
    @inline(__always)
    static func punctuationBit(_ byte: UInt8) -> Int {
        let set: UInt64 = byte < 64 ? 0xFC00FFFE00000000 : 0x78000001F8000001
        return Int(truncatingIfNeeded: (set >> UInt64(byte & 63)) & 1)
    }

    /// Python's `text.lower()` followed by deleting ASCII punctuation, as UTF-8 bytes.
    static func cleanScalarByScalar(_ text: String) -> [UInt8] {
        let scalars = Array(text.unicodeScalars)
        var lowered: [Unicode.Scalar] = []
        lowered.reserveCapacity(scalars.count)
        for index in scalars.indices {
            PythonUnicode.appendLowercase(of: scalars, at: index, to: &lowered)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 8)
        for scalar in lowered {
            if scalar.value < 0x80 {
                let byte = UInt8(scalar.value)
                if !isASCIIPunctuation(byte) { bytes.append(byte) }
            } else {
                bytes.append(contentsOf: scalar.utf8)
            }
        }
        return bytes
    }
}
