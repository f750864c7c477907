import Classification
import ComputeRuntime
import JSON
import Kafka
import TextPipeline
import WireFormat

/// Turns a batch of input records into one output record each, in three steps the worker
/// overlaps across consecutive batches: ``prepare(_:with:)`` (decode `NewsInput`, encode; an
/// item with no word of the model's vocabulary is a `no_tokens` dead letter),
/// ``classify(_:)`` (the valid items as one padded batch), ``outputs(of:)`` (labels or dead
/// letters); ``process(_:with:)`` runs all three.
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
    /// the worker uses 1 with at-least-once (there these steps overlap the model) and its
    /// `inference_threads` with exactly-once (there they overlap a transaction, which mostly
    /// waits on the broker).
    public var threadCount: Int

    /// When an item abstains (``AbstainPolicy``); ``AbstainPolicy/off`` by default.
    public var abstainPolicy: AbstainPolicy
    /// The topic that receives a copy of each abstained item (``WorkerOutput/reviewCopy(of:label:topic:)``);
    /// `nil`: none.
    public var reviewTopic: String?

    public init(
        outputTopic: String, deadLetterTopic: String, maxMessageBytes: Int, threadCount: Int = 1,
        abstainPolicy: AbstainPolicy = .off, reviewTopic: String? = nil
    ) {
        self.outputTopic = outputTopic
        self.deadLetterTopic = deadLetterTopic
        self.maxMessageBytes = maxMessageBytes
        self.threadCount = max(1, threadCount)
        self.abstainPolicy = abstainPolicy
        self.reviewTopic = reviewTopic
    }

    /// What one batch gave.
    public struct Result: Sendable {
        /// One record per input, in input order.
        public var outputs: [KafkaProducerMessage]
        /// How many inputs got a label.
        public var classifiedCount: Int
        /// The dead-letter kind of each input that became one (by input index).
        public var deadLetterKinds: [Int: String]
        /// The top label of each input that abstained (by input index).
        public var abstainedLabels: [Int: String]
        /// The review-topic copy of each abstained input (by input index), when there is a review
        /// topic; produced with the input's label, and the input counts as answered only when
        /// both are acknowledged.
        public var reviewCopies: [Int: KafkaProducerMessage]
        /// Time spent in the classifier (encode excluded).
        public var classificationTime: Duration
    }

    /// A batch decoded and tokenized, ready for the model (``prepare(_:with:)``).
    public struct PreparedBatch: Sendable {
        /// The input records, in order.
        public var inputs: [KafkaConsumerMessage]
        /// The model whose vocabulary encoded the texts; ``classify(_:)`` classifies with it.
        public var classifier: TextClassifier
        fileprivate var decoded: [Swift.Result<(item: NewsInput, encoded: EncodedText), DeadLetterReason>]
    }

    /// Classifies `inputs` with `classifier`: ``prepare(_:with:)``, ``classify(_:)``, then
    /// ``outputs(of:)``.
    public func process(_ inputs: [KafkaConsumerMessage], with classifier: TextClassifier) -> Result {
        outputs(of: classify(prepare(inputs, with: classifier)))
    }

    /// Decodes and tokenizes `inputs` for `classifier`, on ``threadCount`` threads.
    public func prepare(_ inputs: [KafkaConsumerMessage], with classifier: TextClassifier) -> PreparedBatch {
        let specialTokens = classifier.encoder.vocabulary.specialTokens
        let decoded = Parallel.map(count: inputs.count, threadCount: threadCount) { index in
            NewsInput.decode(inputs[index].value ?? [], maxBytes: maxMessageBytes).flatMap {
                item -> Swift.Result<(item: NewsInput, encoded: EncodedText), DeadLetterReason> in
                let encoded = classifier.encode(item.text)
                if let reason = DeadLetterReason.noTokens(in: encoded, specialTokens: specialTokens) {
                    return .failure(reason)
                }
                return .success((item: item, encoded: encoded))
            }
        }
        return PreparedBatch(inputs: inputs, classifier: classifier, decoded: decoded)
    }

    /// A prepared batch with the model's answers (``classify(_:)``), ready for its outputs.
    public struct ClassifiedBatch: Sendable {
        /// The batch the model answered.
        public var prepared: PreparedBatch
        /// Time spent in the classifier.
        public var classificationTime: Duration
        /// Per input index: its position among the valid items (`nil` for a dead letter).
        fileprivate var positions: [Int?]
        /// Per valid item: its id, its prediction (`nil` when the model refused it) and why not.
        fileprivate var valid: [(id: JSONValue?, prediction: Prediction?, failure: String?)]

        /// The model's prediction for each input, in input order; `nil` for an input that is a
        /// dead letter (it did not decode, or the model refused it).
        public var predictions: [Prediction?] {
            positions.map { position in position.flatMap { valid[$0].prediction } }
        }
    }

    /// Runs the model once over a prepared batch's valid items. A batch the engine refuses as
    /// a whole is classified item by item, so that one bad item cannot take its neighbours down.
    public func classify(_ batch: PreparedBatch) -> ClassifiedBatch {
        let (inputs, classifier, decoded) = (batch.inputs, batch.classifier, batch.decoded)
        var valid: [(item: NewsInput, encoded: EncodedText)] = []
        var positions = [Int?](repeating: nil, count: inputs.count)
        for (index, entry) in decoded.enumerated() {
            guard case .success(let entry) = entry else { continue }
            positions[index] = valid.count
            valid.append(entry)
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
        return ClassifiedBatch(
            prepared: batch, classificationTime: start.duration(to: clock.now), positions: positions,
            valid: valid.indices.map { (valid[$0].item.id, predictions[$0], failures[$0]) })
    }

    /// Writes every input's output, in input order, on ``threadCount`` threads: a label, or a
    /// dead letter for an input that did not decode or that the model refused; an abstained
    /// label is marked so, and gets a review copy when there is a review topic.
    public func outputs(of batch: ClassifiedBatch) -> Result {
        let (inputs, classifier, decoded) = (batch.prepared.inputs, batch.prepared.classifier, batch.prepared.decoded)
        let (positions, valid) = (batch.positions, batch.valid)
        let outputs = Parallel.map(count: inputs.count, threadCount: threadCount) {
            index -> (message: KafkaProducerMessage, deadLetterKind: String?, review: KafkaProducerMessage?) in
            let input = inputs[index]
            guard let position = positions[index] else {
                guard case .failure(let reason) = decoded[index] else { preconditionFailure("a valid item without a position") }
                return (
                    WorkerOutput.deadLetter(
                        for: input, kind: reason.kind.rawValue, message: reason.message, topic: deadLetterTopic),
                    reason.kind.rawValue, nil
                )
            }
            var problem = valid[position].failure ?? "the classifier returned no prediction"
            if let prediction = valid[position].prediction {
                do {
                    let abstained = abstainPolicy.abstains(prediction)
                    let label = try WorkerOutput.label(
                        for: input, id: valid[position].id, prediction: prediction,
                        classifier: classifier, topic: outputTopic, abstained: abstained)
                    let review = abstained ? reviewTopic.map { WorkerOutput.reviewCopy(of: input, label: label, topic: $0) } : nil
                    return (label, nil, review)
                } catch {
                    problem = "the prediction cannot be written as JSON: \(error)"
                }
            }
            return (
                WorkerOutput.deadLetter(
                    for: input, kind: WorkerOutput.classificationFailedKind,
                    message: "model \(classifier.name) (\(classifier.digest)): \(problem)",
                    topic: deadLetterTopic),
                WorkerOutput.classificationFailedKind, nil
            )
        }
        var deadLetterKinds: [Int: String] = [:]
        var abstainedLabels: [Int: String] = [:]
        var reviewCopies: [Int: KafkaProducerMessage] = [:]
        for (index, output) in outputs.enumerated() {
            if let kind = output.deadLetterKind { deadLetterKinds[index] = kind }
            if let review = output.review { reviewCopies[index] = review }
            if !abstainPolicy.isOff, output.deadLetterKind == nil, let position = positions[index],
                let prediction = valid[position].prediction, abstainPolicy.abstains(prediction)
            {
                abstainedLabels[index] = prediction.label
            }
        }
        return Result(
            outputs: outputs.map(\.message), classifiedCount: outputs.count - deadLetterKinds.count,
            deadLetterKinds: deadLetterKinds, abstainedLabels: abstainedLabels, reviewCopies: reviewCopies,
            classificationTime: batch.classificationTime)
    }
}
