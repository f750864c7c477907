import Classification
import Foundation
import JSON
import Kafka
import Testing
import TestSupport
import WireFormat
import Worker

/// Abstaining in the batch step: every input keeps its one output record; the abstained labels
/// are marked and get one review copy each, `{"input": …, "output": …}`.
@Suite struct BatchClassifierAbstainTests {
    static func inputs() throws -> [KafkaConsumerMessage] {
        let lines = try String(
            contentsOf: PackagePaths.inPackage("Tests/WorkerTests/Fixtures/abstain-off/input.jsonl"), encoding: .utf8
        ).split(separator: "\n").prefix(96)
        var inputs = lines.enumerated().map { index, line in
            KafkaConsumerMessage(
                topic: "news.raw", partition: Int32(index % 3), offset: Int64(index), key: Array("k\(index)".utf8),
                value: Array(line.utf8))
        }
        // A dead letter among them, and an input with a byte-order mark (valid JSON input).
        inputs.append(KafkaConsumerMessage(topic: "news.raw", partition: 0, offset: 500, key: nil, value: Array("{\"text\": 3}".utf8)))
        inputs.append(
            KafkaConsumerMessage(
                topic: "news.raw", partition: 1, offset: 501, key: nil,
                value: [0xEF, 0xBB, 0xBF] + Array(#"{"id": "bom", "text": "Stocks and bonds and the world"}"#.utf8)))
        return inputs
    }

    @Test func abstainedItemsKeepTheirLabelAndGetOneReviewCopyEach() throws {
        let classifier = try WorkerTestSupport.classifier()
        let policy = try AbstainPolicy(threshold: 0.8, perLabel: ["Sports": 0.95])
        let batch = BatchClassifier(
            outputTopic: "news.labels", deadLetterTopic: "news.raw.dlq", maxMessageBytes: 1 << 20,
            abstainPolicy: policy, reviewTopic: "news.review")
        let inputs = try Self.inputs()
        let result = batch.process(inputs, with: classifier)

        #expect(result.outputs.count == inputs.count, "one output record per input, abstained or not")
        #expect(result.deadLetterKinds == [inputs.count - 2: "wrong_type"])
        let abstained = Set(result.abstainedLabels.keys)
        #expect(abstained.count > 5 && abstained.count < 90, "\(abstained.count) of \(inputs.count) abstained")
        #expect(Set(result.reviewCopies.keys) == abstained, "a review copy for each abstained item, none for others")
        for (index, (input, output)) in zip(inputs, result.outputs).enumerated() where result.deadLetterKinds[index] == nil {
            guard case .object(let label) = try StrictJSONParser.parse(output.value ?? []),
                case .string(let top)? = label["label"], case .object(let probabilities)? = label["probabilities"],
                case .number(let probability)? = probabilities[top]
            else {
                Issue.record("item \(index): not a label message")
                continue
            }
            #expect(output.topic == "news.labels")
            let isAbstained = label["abstained"] == .bool(true)
            #expect(isAbstained == abstained.contains(index), "item \(index)")
            #expect(isAbstained == (Float(probability) < policy.threshold(for: top)!), "item \(index): \(top) \(probability)")
            #expect((output.headers.first { $0.name == "newsclf.abstained" }?.stringValue == "true") == isAbstained)
            #expect(label["abstained"] == nil || isAbstained, "the key appears only when true")
            guard let review = result.reviewCopies[index] else { continue }
            #expect(result.abstainedLabels[index] == top)
            #expect(review.topic == "news.review")
            #expect(review.key == input.key)
            #expect(review.headers == WorkerOutput.sourceHeaders(of: input) + [KafkaHeader(name: "newsclf.abstained", string: "true")])
            guard case .object(let copy) = try StrictJSONParser.parse(review.value ?? []) else {
                Issue.record("item \(index): the review copy is not a JSON object")
                continue
            }
            #expect(Set(copy.keys) == ["input", "output"])
            #expect(copy["input"] == (try StrictJSONParser.parse(input.value ?? [])), "item \(index): the input as it came")
            #expect(copy["output"] == .object(label), "item \(index): the label as published")
        }
        // The input with a byte-order mark: its review copy (if any) is still valid JSON (checked
        // above by the strict parser); and it was classified.
        #expect(result.deadLetterKinds[inputs.count - 1] == nil)
    }

    @Test func withoutAReviewTopicAbstainedItemsAreMarkedButNotCopied() throws {
        let batch = BatchClassifier(
            outputTopic: "news.labels", deadLetterTopic: "news.raw.dlq", maxMessageBytes: 1 << 20,
            abstainPolicy: try AbstainPolicy(threshold: 0.9))
        let result = batch.process(try Self.inputs(), with: try WorkerTestSupport.classifier())
        #expect(!result.abstainedLabels.isEmpty)
        #expect(result.reviewCopies.isEmpty)
    }

    @Test func offMeansNoMarkNoCopyNoCount() throws {
        let batch = BatchClassifier(
            outputTopic: "news.labels", deadLetterTopic: "news.raw.dlq", maxMessageBytes: 1 << 20,
            reviewTopic: "news.review")
        let result = batch.process(try Self.inputs(), with: try WorkerTestSupport.classifier())
        #expect(result.abstainedLabels.isEmpty && result.reviewCopies.isEmpty)
        #expect(result.outputs.allSatisfy { output in !output.headers.contains { $0.name == "newsclf.abstained" } })
        #expect(result.outputs.allSatisfy { !String(decoding: $0.value ?? [], as: UTF8.self).contains("abstained") })
    }

    /// A review copy too large for the broker goes again without its value, like a dead letter.
    @Test func aTooLargeReviewCopyCanDropItsValue() throws {
        let review = KafkaProducerMessage(topic: "news.review", key: nil, value: Array(repeating: 0x20, count: 10))
        let error = KafkaError(code: .messageSizeTooLarge, message: "too large", operation: "produce")
        let smaller = try #require(
            WorkerOutput.withoutValue(review, deadLetterTopic: "news.raw.dlq", reviewTopic: "news.review", error: error))
        #expect(smaller.value == nil)
        #expect(smaller.headers.last?.name == WorkerOutput.valueDroppedHeader)
        let label = KafkaProducerMessage(topic: "news.labels", key: nil, value: Array(repeating: 0x20, count: 10))
        #expect(WorkerOutput.withoutValue(label, deadLetterTopic: "news.raw.dlq", reviewTopic: "news.review", error: error) == nil)
    }
}
