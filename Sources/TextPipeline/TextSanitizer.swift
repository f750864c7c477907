/// The sanitising step every item text goes through when it is read for classification, before
/// any preprocessing: invisible Unicode format characters are taken out, so that they can neither
/// glue two words into one unknown token nor make a text of no words look like a word.
///
/// The rule, scalar by scalar (the categories are those of the Unicode Character Database that
/// the Swift runtime ships, `Unicode.Scalar.Properties.generalCategory`):
///
/// 1. **Zero-width separators become one space (U+0020):**
///    - U+200B ZERO WIDTH SPACE, the one character with Line_Break = ZW (UAX #14,
///      `LineBreak.txt`): a word boundary that is not drawn;
///    - U+2063 INVISIBLE SEPARATOR, the invisible comma between items (`aᵢ⁣ⱼ`).
/// 2. **Every other format character (General_Category = Cf, `UnicodeData.txt`) is removed**,
///    170 scalars in the Unicode data of Swift 6.3's runtime, among them U+00AD SOFT HYPHEN, U+200C ZERO WIDTH NON-JOINER,
///    U+200D ZERO WIDTH JOINER, U+2060 WORD JOINER, U+FEFF ZERO WIDTH NO-BREAK SPACE (the
///    byte-order mark), the bidirectional marks and controls U+200E, U+200F, U+202A–U+202E,
///    U+2066–U+2069, U+061C, the invisible operators U+2061, U+2062, U+2064, U+180E MONGOLIAN
///    VOWEL SEPARATOR (it sits inside a Mongolian word, before its final vowel, so it joins
///    rather than separates), the tag characters U+E0001 and U+E0020–U+E007F (emoji flag
///    sequences), and the prepended concatenation marks such as U+0600 ARABIC NUMBER SIGN.
///    They join or steer the rendering of their neighbours and carry no word of their own.
/// 3. Everything else is kept as it is: whitespace (NBSP included), combining marks, emoji,
///    private-use and unassigned scalars. The tokenizer (``Tokenizer``) stays the notebook's.
///
/// AG News contains none of these scalars, so the notebook's tokens are unchanged; ASCII text is
/// returned as is without being copied.
public enum TextSanitizer {
    /// `text` with zero-width separators turned into spaces and the other format characters
    /// removed (see the type's rule).
    public static func sanitize(_ text: String) -> String {
        // Every format character is at U+00AD or above: ASCII text has none.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .format }) else {
            return text
        }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isZeroWidthSeparator(scalar) {
                result.append(" ")
            } else if scalar.properties.generalCategory != .format {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Whether `scalar` is one of the zero-width separators that become a space: U+200B ZERO
    /// WIDTH SPACE and U+2063 INVISIBLE SEPARATOR.
    public static func isZeroWidthSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x200B || scalar.value == 0x2063
    }

    /// Whether ``sanitize(_:)`` removes `scalar`: a format character (Cf) that is not a
    /// zero-width separator.
    public static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .format && !isZeroWidthSeparator(scalar)
    }
}
