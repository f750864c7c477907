/// The classifier's answer for one item.
public struct Prediction: Sendable, Equatable {
    /// Index of the most probable class (`argmax` of the logits; the lowest index on a tie).
    public var labelID: Int
    /// The name of that class (from the checkpoint's `labels`).
    public var label: String
    /// Softmax of the logits, one per class, in class-id order; sums to 1.
    public var probabilities: [Float]
    /// Whether the item had more tokens than the model's `max_length` and was cut.
    public var truncated: Bool

    public init(labelID: Int, label: String, probabilities: [Float], truncated: Bool) {
        self.labelID = labelID
        self.label = label
        self.probabilities = probabilities
        self.truncated = truncated
    }
}
