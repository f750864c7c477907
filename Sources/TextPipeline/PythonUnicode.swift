/// Python 3.11's view of Unicode characters, as far as the notebook's preprocessing needs it.
///
/// The reference preprocessing ran in CPython 3.11, whose Unicode database is version 14.0.0
/// (`unicodedata.unidata_version`). Swift's standard library carries a newer database, so a
/// character assigned after Unicode 14.0 is treated here as CPython 3.11 treats it: unassigned
/// (no case mapping, not a letter or number, neither cased nor case-ignorable). Characters
/// assigned by 14.0 use Swift's properties, which agree with CPython's for them with two
/// exceptions that later Unicode versions changed (found by comparing every code point of
/// U+0000–U+3FFFF and U+E0000–U+E0FFF with CPython 3.11 and NLTK 3.10.4): U+0295 `ʕ` was a
/// lowercase letter (cased) and U+1171E was a non-spacing mark (case-ignorable) in 14.0.
///
/// Where Swift's own `String` / `Character` semantics differ from Python's, this type follows
/// Python:
/// - whitespace is `str.isspace()`, which includes U+001C–U+001F (Swift's `isWhitespace` does not);
/// - `\w` is `str.isalnum()` or `_` (Python `re`), so combining marks are *not* word characters;
/// - lower-casing is `str.lower()`: the full (SpecialCasing) mapping plus the Final_Sigma rule,
///   which Swift's `lowercased()` lacks (`ΟΔΟΣ` → `οδος`, not `οδοσ`).
enum PythonUnicode {
    /// The Unicode version of CPython 3.11's `unicodedata` (the fixtures' Python).
    static let unicodeVersion = (major: 14, minor: 0)

    /// Whether CPython 3.11 knows `scalar` (assigned in Unicode ≤ 14.0).
    @inline(__always)
    static func isKnown(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < unicodeVersion.major
            || (age.major == unicodeVersion.major && age.minor <= unicodeVersion.minor)
    }

    /// Python `str.isspace()` for one character: bidirectional class WS, B or S, or category Zs.
    ///
    /// U+0009–U+000D, U+001C–U+001F, U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028,
    /// U+2029, U+202F, U+205F, U+3000. Not U+200B, U+00AD, U+FEFF or U+180E.
    @inline(__always)
    static func isSpace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python `re`'s `\w` for a `str` pattern: `str.isalnum()` (letters Lu Ll Lt Lm Lo, or any
    /// numeric type) or `_`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                || (value >= 0x61 && value <= 0x7A) || value == 0x5F
        }
        guard isKnown(scalar) else { return false }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return properties.numericType != nil
        }
    }

    /// Appends Python's `str.lower()` of `scalars[index]` to `output`.
    ///
    /// The full lower-case mapping (`İ` → `i̇`, two scalars); for U+03A3 `Σ`, the Final_Sigma
    /// rule of CPython's `handle_capital_sigma`: `ς` when a cased letter precedes it (skipping
    /// case-ignorable characters) and none follows it (likewise), otherwise `σ`.
    static func appendLowercase(
        of scalars: [Unicode.Scalar], at index: Int, to output: inout [Unicode.Scalar]
    ) {
        let scalar = scalars[index]
        if scalar.value < 0x80 {
            if scalar.value >= 0x41 && scalar.value <= 0x5A {
                output.append(Unicode.Scalar(scalar.value + 0x20)!)
            } else {
                output.append(scalar)
            }
            return
        }
        if scalar.value == 0x3A3 {
            output.append(isFinalSigma(scalars, at: index) ? "\u{3C2}" : "\u{3C3}")
            return
        }
        guard isKnown(scalar), scalar.properties.changesWhenLowercased else {
            output.append(scalar)
            return
        }
        output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
    }

    /// CPython's Final_Sigma context test (`\p{cased}\p{case-ignorable}*Σ!(\p{case-ignorable}*\p{cased})`).
    static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0 && isCaseIgnorable(scalars[before]) { before -= 1 }
        guard before >= 0, isCased(scalars[before]) else { return false }
        var after = index + 1
        while after < scalars.count && isCaseIgnorable(scalars[after]) { after += 1 }
        return after == scalars.count || !isCased(scalars[after])
    }

    private static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value == 0x295 { return true }  // Ll in Unicode 14.0, Lo since 16.0
        return isKnown(scalar) && scalar.properties.isCased
    }

    private static func isCaseIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value == 0x1171E { return true }  // Mn in Unicode 14.0, Mc since 16.0
        return isKnown(scalar) && scalar.properties.isCaseIgnorable
    }
}
