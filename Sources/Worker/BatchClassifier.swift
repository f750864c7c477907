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

    public init(outputTopic: String, deadLetterTopic: String, maxMessageBytes: Int) {
        self.outputTopic = outputTopic
        self.deadLetterTopic = deadLetterTopic
        self.maxMessageBytes = maxMessageBytes
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

    /// Classifies `inputs` with `classifier`.
    public func process(_ inputs: [KafkaConsumerMessage], with classifier: TextClassifier) -> Result {
        var outputs = [KafkaProducerMessage?](repeating: nil, count: inputs.count)
        var deadLetterKinds: [Int: String] = [:]
        var valid: [(index: Int, item: NewsInput, encoded: EncodedText)] = []
        for (index, input) in inputs.enumerated() {
            switch NewsInput.decode(input.value ?? [], maxBytes: maxMessageBytes) {
            case .success(let item):
                valid.append((index, item, classifier.encode(item.text)))
            case .failure(let reason):
                outputs[index] = WorkerOutput.deadLetter(
                    for: input, kind: reason.kind.rawValue, message: reason.message,
                    topic: deadLetterTopic)
                deadLetterKinds[index] = reason.kind.rawValue
            }
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
        var classifiedCount = 0
        for (position, entry) in valid.enumerated() {
            let input = inputs[entry.index]
            var problem = failures[position] ?? "the classifier returned no prediction"
            if let prediction = predictions[position] {
                do {
                    outputs[entry.index] = try WorkerOutput.label(
                        for: input, id: entry.item.id, prediction: prediction,
                        classifier: classifier, topic: outputTopic)
                    classifiedCount += 1
                    continue
                } catch {
                    problem = "the prediction cannot be written as JSON: \(error)"
                }
            }
            outputs[entry.index] = WorkerOutput.deadLetter(
                for: input, kind: WorkerOutput.classificationFailedKind,
                message: "model \(classifier.name) (\(classifier.digest)): \(problem)",
                topic: deadLetterTopic)
            deadLetterKinds[entry.index] = WorkerOutput.classificationFailedKind
        }
        return Result(
            outputs: outputs.map { $0! }, classifiedCount: classifiedCount,
            deadLetterKinds: deadLetterKinds, classificationTime: classificationTime)
    }
}
