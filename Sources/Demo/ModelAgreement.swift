import Classification

/// The demo's labels next to the model run in this process on the same texts, file order, batch
/// 32: what `newsclf eval` computes for the same model and file.
public struct ModelAgreement: Sendable, Equatable {
    /// The in-process evaluation over the same rows.
    public var evaluation: Evaluation
    /// Rows whose worker label equals the in-process prediction.
    public var agreeing: Int
    /// Rows compared (those with a worker label).
    public var compared: Int

    /// - Parameters:
    ///   - workerPredictions: per row, the worker's label (`nil` when missing; not compared).
    ///   - modelPredictions: per row, the in-process prediction.
    ///   - trueLabels: per row, the true class.
    ///   - classCount: the number of classes.
    public init(workerPredictions: [Int?], modelPredictions: [Int], trueLabels: [Int], classCount: Int) {
        evaluation = Evaluation(labels: trueLabels, predictions: modelPredictions, classCount: classCount)
        let pairs = zip(workerPredictions, modelPredictions).compactMap { worker, model in worker.map { ($0, model) } }
        compared = pairs.count
        agreeing = pairs.filter { $0.0 == $0.1 }.count
    }

    /// Classifies `texts` with `classifier` as `newsclf eval` does (file order, batch 32).
    /// - Throws: ``ClassifierError`` from the model.
    public static func predictions(of classifier: TextClassifier, texts: [String]) throws(ClassifierError) -> [Int] {
        try classifier.classify(texts: texts, batchSize: 32).map(\.labelID)
    }
}
