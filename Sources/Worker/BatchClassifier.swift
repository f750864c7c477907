import Classification
import Kafka
import TextPipeline

/// Turns a batch of input records into one output record each: decode (`NewsInput`), encode,
/// classify the valid items as one padded batch, and build labels or dead letters.
///
/// A batch the engine refuses as a whole is classified item by item, so that one bad item
/// cannot take its neighbours down; an item refused alone becomes a dead letter of kind
/// ``WorkerOutput/classificationFailedKind``. Nothing is dropped: `outputs.count ==
/// inputs.count`, in input order.
public struct BatchClassifier: Sendable {
    /// The output topic.
    public var outputTopic: String
    /// The dead-letter topic.
    public var deadLetterTopic: String
    /// Larger input values are dead letters (`too_large`).
    public var maxMessageBytes: Int

    /// Threads for the per-item work around the model (decode, tokenize, write the outputs);
    /// the worker uses its `inference_threads`.
    public var threadCount: Int

    public init(outputTopic: String, deadLetterTopic: String, maxMessageBytes: Int, threadCount: Int = 1) {
        self.outputTopic = outputTopic
        self.deadLetterTopic = deadLetterTopic
        self.maxMessageBytes = maxMessageBytes
        self.threadCount = max(1, threadCount)
    }

    /// What one batch gave.
    public struct Result: Sendable {
        /// One record per input, in input order.
        public var outputs: [KafkaProducerMessage]
        /// How many inputs got a label.
        public var classifiedCount: Int
        /// The dead-letter kind of each input that became one (by input index).
        public var deadLetterKinds: [Int: String]
        /// Time spent in the classifier (encode excluded).
        public var classificationTime: Duration
    }

    /// Classifies `inputs` with `classifier`. Decoding and tokenizing, and writing the outputs,
    /// run on ``threadCount`` threads; the model runs once over the valid items as one batch.
    public func process(_ inputs: [KafkaConsumerMessage], with classifier: TextClassifier) -> Result {
        let decoded = ParallelMap.map(count: inputs.count, threadCount: threadCount) { index in
            NewsInput.decode(inputs[index].value ?? [], maxBytes: maxMessageBytes).map {
                (item: $0, encoded: classifier.encode($0.text))
            }
        }
        var valid: [(index: Int, item: NewsInput, encoded: EncodedText)] = []
        var positions = [Int?](repeating: nil, count: inputs.count)
        for (index, entry) in decoded.enumerated() {
            guard case .success(let entry) = entry else { continue }
            positions[index] = valid.count
            valid.append((index, entry.item, entry.encoded))
        }
        let clock = ContinuousClock()
        let start = clock.now
        var predictions: [Prediction?]
        var failures: [Int: String] = [:]
        do {
            predictions = try classifier.classify(valid.map(\.encoded))
        } catch {
            // Find the culprit(s): classify one by one.
            predictions = valid.enumerated().map { position, entry -> Prediction? in
                do {
                    return try classifier.classify([entry.encoded]).first
                } catch {
                    failures[position] = "\(error)"
                    return nil
                }
            }
        }
        let classificationTime = start.duration(to: clock.now)
        let outputs = ParallelMap.map(count: inputs.count, threadCount: threadCount) {
            index -> (message: KafkaProducerMessage, deadLetterKind: String?) in
            let input = inputs[index]
            guard let position = positions[index] else {
                guard case .failure(let reason) = decoded[index] else { preconditionFailure("a valid item without a position") }
                return (
                    WorkerOutput.deadLetter(
                        for: input, kind: reason.kind.rawValue, message: reason.message, topic: deadLetterTopic),
                    reason.kind.rawValue
                )
            }
            var problem = failures[position] ?? "the classifier returned no prediction"
            if let prediction = predictions[position] {
                do {
                    return (
                        try WorkerOutput.label(
                            for: input, id: valid[position].item.id, prediction: prediction,
                            classifier: classifier, topic: outputTopic),
                        nil
                    )
                } catch {
                    problem = "the prediction cannot be written as JSON: \(error)"
                }
            }
            return (
                WorkerOutput.deadLetter(
                    for: input, kind: WorkerOutput.classificationFailedKind,
                    message: "model \(classifier.name) (\(classifier.digest)): \(problem)",
                    topic: deadLetterTopic),
                WorkerOutput.classificationFailedKind
            )
        }
        var deadLetterKinds: [Int: String] = [:]
        for (index, output) in outputs.enumerated() {
            if let kind = output.deadLetterKind { deadLetterKinds[index] = kind }
        }
        return Result(
            outputs: outputs.map(\.message), classifiedCount: outputs.count - deadLetterKinds.count,
            deadLetterKinds: deadLetterKinds, classificationTime: classificationTime)
    }
}
