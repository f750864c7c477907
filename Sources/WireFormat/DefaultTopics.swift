/// The default topic names of the message flow (DESIGN.md "Messages"): what the worker consumes
/// and produces unless configured otherwise, and what the demo's embedded broker creates.
public enum DefaultTopics {
    /// Input items (the input-topic schema, ``NewsInput``).
    public static let input = "news.raw"
    /// One label per input (``LabelMessage``).
    public static let output = "news.labels"
    /// Inputs the worker refused, with their original bytes and error headers.
    public static let deadLetter = "news.raw.dlq"
    /// The three, in the order input, output, dead letters (what `newsclf dev-broker` creates).
    public static let all = [input, output, deadLetter]
}
