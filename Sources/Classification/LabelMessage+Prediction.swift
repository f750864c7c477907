import JSON
import WireFormat

extension LabelMessage {
    /// The output message for a prediction.
    /// - Parameters:
    ///   - id: the input's `id`, echoed unchanged.
    ///   - labels: class names by id, as in the checkpoint.
    ///   - abstained: whether the prediction abstains (``AbstainPolicy/abstains(_:)``).
    public init(
        id: JSONValue?, prediction: Prediction, labels: [String], model: Model, source: Source?,
        abstained: Bool = false
    ) {
        self.init(
            id: id, label: prediction.label, labelID: prediction.labelID,
            probabilities: Dictionary(uniqueKeysWithValues: zip(labels, prediction.probabilities)),
            model: model, source: source, truncated: prediction.truncated, abstained: abstained)
    }
}
