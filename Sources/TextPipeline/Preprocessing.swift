/// Which text preprocessing a model was trained with (`config.json` key `preprocessing`).
///
/// Both end in the same steps: Python `str.lower()`, deletion of the 32 ASCII punctuation
/// characters of `string.punctuation`, then NLTK's Treebank word tokenizer
/// (`NLTKWordTokenizer().tokenize`, NLTK 3.10.4). See ``Tokenizer`` for the exact rules.
public enum Preprocessing: String, Sendable, Hashable, CaseIterable, Codable {
    /// The reference notebook's preprocessing, reproduced exactly:
    /// `nltk.word_tokenize(text.lower().translate(str.maketrans('', '', string.punctuation)))`.
    ///
    /// AG News's quirks are kept: `#39;s` → `39s`, `second\team` → `secondteam`.
    case notebookV1 = "notebook-v1"

    /// ``notebookV1`` after ``AGNewsNormalizer/normalize(_:)``: AG News entity debris decoded
    /// (`#39;` → `'`), backslash line-break markers turned into spaces, NFKC, Unicode quotes and
    /// dashes mapped to ASCII. `Apple's`, `Apple’s` and `Apple #39;s` all give `apples`.
    case normalizedV1 = "normalized-v1"
}
