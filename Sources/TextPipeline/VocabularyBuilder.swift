/// Counts words in training text and builds the ``Vocabulary`` by the notebook's rule.
///
/// The rule: keep every word whose count is **strictly greater** than a threshold (the notebook
/// used 25; its best run 10), put the four special tokens at their ids (``SpecialTokens/standard``:
/// `<unk>`=0, `<bos>`=1, `<eos>`=2, `<pad>`=3), and give the words the remaining ids by
/// descending count, ties broken by the words' UTF-8 bytes (ascending, shorter first on a common
/// prefix; the same order as Python's `bytes` comparison). The notebook took its ids from a Python
/// `set`, which is not reproducible; this order is, so the same text always gives the same
/// `vocab.txt`, byte for byte, whatever order the texts come in.
///
/// Words are counted by their UTF-8 bytes (see ``Vocabulary``). A word spelled like a special
/// token (`<unk>`, …) is never added as a word; the notebook's preprocessing cannot produce one.
public struct VocabularyBuilder: Sendable {
    /// The tokenizer ``add(_:)`` uses.
    public let tokenizer: Tokenizer
    private var table = TokenTable()
    private var counts: [Int] = []
    /// The number of tokens counted so far (repeats included).
    public private(set) var tokenCount = 0

    /// A builder that tokenizes with `tokenizer`.
    public init(tokenizer: Tokenizer = Tokenizer()) {
        self.tokenizer = tokenizer
    }

    /// The number of distinct words counted so far.
    public var distinctWordCount: Int { counts.count }

    /// Tokenizes `text` with ``tokenizer`` and counts its tokens.
    public mutating func add(_ text: String) {
        tokenizer.forEachToken(in: text) { count($0) }
    }

    /// Counts already-tokenized words.
    public mutating func add(tokens: some Sequence<String>) {
        for token in tokens {
            var token = token
            token.withUTF8 { count($0) }
        }
    }

    private mutating func count(_ token: UnsafeBufferPointer<UInt8>) {
        let (index, inserted) = table.insert(token)
        if inserted { counts.append(0) }
        counts[index] += 1
        tokenCount += 1
    }

    /// How often `word` was counted (0 if never).
    public func count(of word: String) -> Int {
        table.index(of: word).map { counts[$0] } ?? 0
    }

    /// The words with count > `threshold` (special-token spellings excluded), in id order:
    /// descending count, ties by UTF-8 bytes.
    public func words(countAbove threshold: Int) -> [(word: String, count: Int)] {
        let specials = Set(SpecialTokens.standard.entries.map { Array($0.token.utf8) })
        var kept = counts.indices.filter { counts[$0] > threshold && !specials.contains(Array(table.key(at: $0))) }
        kept.sort { a, b in
            counts[a] != counts[b]
                ? counts[a] > counts[b] : table.key(at: a).lexicographicallyPrecedes(table.key(at: b))
        }
        return kept.map { (String(decoding: table.key(at: $0), as: UTF8.self), counts[$0]) }
    }

    /// The vocabulary of the words with count > `threshold`, plus the special tokens.
    ///
    /// - Parameters:
    ///   - threshold: a word is kept when its count is strictly greater.
    ///   - specialTokens: the special tokens' ids (``SpecialTokens/standard`` unless converting).
    /// - Returns: a vocabulary of `words(countAbove: threshold).count + 4` tokens.
    /// - Throws: ``VocabularyError`` if a special id lies beyond the vocabulary, or a word added
    ///   with ``add(tokens:)`` cannot be a token (empty, or containing whitespace).
    public func vocabulary(threshold: Int, specialTokens: SpecialTokens = .standard) throws(VocabularyError)
        -> Vocabulary
    {
        let words = words(countAbove: threshold)
        var slots = [String?](repeating: nil, count: words.count + 4)
        for (name, id) in specialTokens.entries where id >= 0 && Int(id) < slots.count {
            slots[Int(id)] = name
        }
        var next = words.makeIterator()
        for index in slots.indices where slots[index] == nil {
            slots[index] = next.next()?.word
        }
        return try Vocabulary(
            tokens: slots.compactMap { $0 }, specialTokens: specialTokens, source: "built vocabulary")
    }
}
