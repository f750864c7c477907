/// One AG News row as the reference notebook uses it.
///
/// Follows the Hugging Face `ag_news` convention: `text = title + " " + description`, with no
/// other cleaning (backslashes, `#39;` entity leftovers and leading spaces are kept as-is), and
/// `label = class_index − 1` (0 World, 1 Sports, 2 Business, 3 Sci/Tech).
public struct NewsItem: Sendable, Hashable {
    /// `title + " " + description`, exactly as in the file (quotes un-doubled).
    public var text: String
    /// The class index − 1, in `0..<4`.
    public var label: Int

    public init(text: String, label: Int) {
        self.text = text
        self.label = label
    }
}
