/// The rules of NLTK's `NLTKWordTokenizer` (3.10.4) that can still fire on text whose ASCII
/// punctuation has been deleted, applied in one pass over UTF-8.
///
/// `NLTKWordTokenizer.tokenize` is a chain of regular-expression substitutions followed by
/// `str.split()` (source: `nltk/tokenize/destructive.py`). Every rule except these needs an ASCII
/// punctuation character, so after the notebook's cleaning only these remain:
///
/// 1. `STARTING_QUOTES` `([«“‘„]|[`]+)` and `ENDING_QUOTES` `([»”’])` → `" \1 "`: the quote
///    becomes a token of its own. `‹ ›` are not touched.
/// 2. `PUNCTUATION` `[\u2012-\u2015]` → `" \g<0> "`: figure dash, en dash, em dash and horizontal
///    bar become tokens; U+2010, U+2011 and U+2212 stay inside words.
/// 3. `CONTRACTIONS2`, with Python `re` semantics and `(?i)`: `\b(can)(not)\b`, `\b(gim)(me)\b`,
///    `\b(gon)(na)\b`, `\b(got)(ta)\b`, `\b(lem)(me)\b`, `\b(wan)(na)(?=\s)` → `" \1 \2 "`.
///    They run after the text was padded with a space on each side and after rules 1–2 put spaces
///    around quotes and dashes. `\b` is Python's: `\w` = `str.isalnum()` or `_` (combining marks
///    are not `\w`), so a match is exactly a maximal run of word characters, and it may sit inside
///    a whitespace-separated token (`cannot…` → `can not …`). `(?i)` lets `i` also match `İ`, `I`
///    and dotless `ı` (CPython's case-insensitive equivalences), so `gımme` → `gım me`.
///    `wanna` needs whitespace right after it in the padded text: the end of the text, a
///    whitespace character, or a quote or dash of rules 1–2.
/// 4. `text.split()`: whitespace is Python's `str.isspace()` (including U+001C–U+001F).
enum TreebankWordSplitter {
    /// How a character takes part in the splitting.
    enum Kind {
        /// `\w`: part of a word (and of a contraction run).
        case word
        /// `str.isspace()`: separates tokens.
        case space
        /// A quote or dash of rules 1–2: a token of its own.
        case standalone
        /// Anything else: part of a token, but not of a `\w` run.
        case other
    }

    /// Splits valid UTF-8 `text` (already lower-cased and stripped of ASCII punctuation) into
    /// tokens, calling `body` with each token's bytes, in order.
    static func split(
        _ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        let count = text.count
        var tokenStart = -1
        var runStart = -1
        var runScalars = 0
        var index = 0
        while true {
            let kind: Kind
            let width: Int
            if index >= count {
                kind = .space  // NLTK pads the text with a space at each end.
                width = 1
            } else if text[index] < 0x80 {
                kind = asciiKind(text[index])
                width = 1
            } else {
                let (scalar, scalarWidth) = decode(text, at: index)
                kind = self.kind(of: scalar)
                width = scalarWidth
            }
            if case .word = kind {
                if runStart < 0 {
                    runStart = index
                    runScalars = 0
                }
                runScalars += 1
                if tokenStart < 0 { tokenStart = index }
            } else {
                if runStart >= 0 {
                    let followedBySpace: Bool
                    switch kind {
                    case .space, .standalone: followedBySpace = true
                    default: followedBySpace = false
                    }
                    if let cut = contractionCut(text, runStart, index, runScalars, followedBySpace) {
                        if tokenStart < runStart { try body(slice(text, tokenStart, runStart)) }
                        try body(slice(text, runStart, cut))
                        try body(slice(text, cut, index))
                        tokenStart = -1
                    }
                    runStart = -1
                }
                switch kind {
                case .space:
                    if tokenStart >= 0 { try body(slice(text, tokenStart, index)) }
                    tokenStart = -1
                case .standalone:
                    if tokenStart >= 0 { try body(slice(text, tokenStart, index)) }
                    try body(slice(text, index, index + width))
                    tokenStart = -1
                case .other, .word:
                    if tokenStart < 0 { tokenStart = index }
                }
            }
            if index >= count { return }
            index += width
        }
    }

    /// ``split(_:_:)`` for text known to be ASCII: tokens made only of `[0-9a-z]` (nearly all)
    /// are found with a tight loop; a token holding another character (a control character)
    /// goes through ``split(_:_:)``, which gives the same result for it on its own because a
    /// token is always followed by whitespace or the end of the text.
    static func splitASCII(
        _ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        let count = text.count
        var index = 0
        while true {
            while index < count && isASCIISpace(text[index]) { index += 1 }
            if index == count { return }
            let start = index
            var allWord = true
            while index < count && !isASCIISpace(text[index]) {
                let byte = text[index]
                allWord = allWord && (byte &- 0x61 < 26 || byte &- 0x30 < 10)
                index += 1
            }
            let length = index - start
            if !allWord {
                try split(slice(text, start, index), body)
            } else if (length == 5 || length == 6), let cut = asciiContractionCut(text, start, length) {
                try body(slice(text, start, cut))
                try body(slice(text, cut, index))
            } else {
                try body(slice(text, start, index))
            }
        }
    }

    /// `str.isspace()` for an ASCII byte: U+0009–U+000D, U+001C–U+0020.
    @inline(__always)
    static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte &- 0x09 < 5 || byte &- 0x1C < 4
    }

    /// ``contractionCut(_:_:_:_:_:)`` for a lower-case ASCII word followed by whitespace.
    @inline(__always)
    static func asciiContractionCut(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int? {
        var key: UInt64 = 0
        for offset in 0..<length { key = key << 8 | UInt64(text[start + offset]) }
        switch key {
        case 0x63_61_6E_6E_6F_74, 0x67_69_6D_6D_65, 0x67_6F_6E_6E_61, 0x67_6F_74_74_61, 0x6C_65_6D_6D_65,
            0x77_61_6E_6E_61:
            return start + 3
        default:
            return nil
        }
    }

    @inline(__always)
    private static func slice(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: text[start..<end])
    }

    /// The kind of an ASCII byte: `[0-9A-Za-z_]` word, `str.isspace()` space, else other.
    @inline(__always)
    static func asciiKind(_ byte: UInt8) -> Kind {
        if byte &- 0x61 < 26 || byte &- 0x30 < 10 { return .word }
        if isASCIISpace(byte) { return .space }
        if byte &- 0x41 < 26 || byte == 0x5F { return .word }
        return .other
    }

    /// The kind of a non-ASCII scalar.
    static func kind(of scalar: Unicode.Scalar) -> Kind {
        switch scalar.value {
        case 0xAB, 0xBB, 0x2018, 0x2019, 0x201C, 0x201D, 0x201E, 0x2012...0x2015:
            return .standalone
        case let value where PythonUnicode.isSpace(value):
            return .space
        default:
            return PythonUnicode.isWordCharacter(scalar) ? .word : .other
        }
    }

    /// Decodes the scalar starting at `index` of valid UTF-8; returns it and its width in bytes.
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(text[index])
        var value: UInt32
        let width: Int
        if lead < 0x80 {
            return (Unicode.Scalar(UInt8(lead)), 1)
        } else if lead < 0xE0 {
            value = lead & 0x1F
            width = 2
        } else if lead < 0xF0 {
            value = lead & 0x0F
            width = 3
        } else {
            value = lead & 0x07
            width = 4
        }
        for offset in 1..<width {
            value = value << 6 | (UInt32(text[index + offset]) & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", width)
    }

    /// If the `\w` run `text[start..<end]` (of `scalars` scalars) is one of the contractions,
    /// the byte offset where it splits (after its third scalar).
    static func contractionCut(
        _ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ scalars: Int, _ followedBySpace: Bool
    ) -> Int? {
        guard scalars == 5 || scalars == 6 else { return nil }
        var key: UInt64 = 0
        var index = start
        var cut = start
        for position in 0..<scalars {
            let (scalar, width) = decode(text, at: index)
            let folded = foldCase(scalar.value)
            guard folded < 0x80 else { return nil }
            key = key << 8 | UInt64(folded)
            index += width
            if position == 2 { cut = index }
        }
        switch key {
        case 0x63_61_6E_6E_6F_74,  // cannot
            0x67_69_6D_6D_65,  // gimme
            0x67_6F_6E_6E_61,  // gonna
            0x67_6F_74_74_61,  // gotta
            0x6C_65_6D_6D_65:  // lemme
            return cut
        case 0x77_61_6E_6E_61:  // wanna, only before whitespace
            return followedBySpace ? cut : nil
        default:
            return nil
        }
    }

    /// Python `re`'s case-insensitive match for the contraction letters: ASCII capitals fold to
    /// small letters, and `I`, `İ` (U+0130) and `ı` (U+0131) all match `i`.
    @inline(__always)
    private static func foldCase(_ value: UInt32) -> UInt32 {
        if value &- 0x41 < 26 { return value + 0x20 }
        if value == 0x130 || value == 0x131 { return 0x69 }
        return value
    }
}
