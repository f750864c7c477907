import Classification
import Foundation
import JSON
import Kafka
import MetricsTestKit
import Testing
import TestSupport
import WireFormat
import Worker

extension WorkerBrokerTests {
    /// `abstain_below` and `review_topic` end to end on librdkafka's mock cluster: every input
    /// keeps its label record, each abstained one is marked, copied to the review topic once and
    /// counted by label, and the offsets are committed only once both records are acknowledged.
    @Suite struct ClassificationWorkerAbstainTests {
        @Test func abstainedItemsAreLabelledCopiedForReviewOnceAndCounted() async throws {
            let fixture = try WorkerBrokerFixture()
            let classifier = try WorkerTestSupport.classifier()
            let policy = try AbstainPolicy(threshold: 0.8, perLabel: ["Sports": 0.95])
            // The fixture's first 120 test items; those whose top probability is within 1e-3 of
            // their threshold are left out, so that another batching (last-bit differences)
            // cannot move an item across it.
            let lines = try String(
                contentsOf: PackagePaths.inPackage("Tests/WorkerTests/Fixtures/abstain-off/input.jsonl"),
                encoding: .utf8
            ).split(separator: "\n").prefix(120).map { Array($0.utf8) }
            var items: [(value: [UInt8], abstains: Bool, label: String)] = []
            for value in lines {
                let item = try NewsInput.decode(value, maxBytes: 1 << 20).get()
                let prediction = try classifier.classify([classifier.encode(item.text)])[0]
                let top = prediction.probabilities[prediction.labelID]
                let threshold = try #require(policy.threshold(for: prediction.label))
                guard abs(top - threshold) > 1e-3 else { continue }
                items.append((value, policy.abstains(prediction), prediction.label))
            }
            let expectedAbstained = items.filter(\.abstains).count
            try #require(expectedAbstained >= 5 && expectedAbstained < items.count - 5)
            try await fixture.produce(items.enumerated().map { ("key-\($0.offset)", $0.element.value) })

            let metrics = TestMetrics()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(
                        groupID: groupID,
                        extra: [
                            "abstain_below": "0.8", "abstain_below_per_label": "Sports=0.95",
                            "review_topic": fixture.review,
                        ]),
                    metrics: WorkerMetrics(factory: metrics)))
            let outputs = try await fixture.readOutputs(count: items.count + expectedAbstained, timeout: .seconds(60))
            try await worker.stop()

            let labels = outputs.filter { $0.topic == fixture.output }
            let reviews = outputs.filter { $0.topic == fixture.review }
            #expect(labels.count == items.count, "every input keeps its label record")
            #expect(reviews.count == expectedAbstained, "one review copy per abstained item")
            #expect(Set(reviews.compactMap(\.key)).count == reviews.count, "no item twice on the review topic")
            #expect(outputs.allSatisfy { $0.topic != fixture.deadLetters })
            var abstainedByLabel: [String: Int] = [:]
            for (index, item) in items.enumerated() {
                let key = Array("key-\(index)".utf8)
                let label = try #require(labels.first { $0.key == key }, "item \(index) has no label")
                guard case .object(let fields) = try StrictJSONParser.parse(label.value ?? []) else {
                    Issue.record("item \(index): not a JSON object")
                    continue
                }
                #expect((fields["abstained"] == .bool(true)) == item.abstains, "item \(index)")
                #expect(fields["label"] == .string(item.label), "item \(index): the top label is kept")
                #expect((label.header(WorkerOutput.abstainedHeader) == "true") == item.abstains)
                let copies = reviews.filter { $0.key == key }
                #expect(copies.count == (item.abstains ? 1 : 0), "item \(index)")
                if let copy = copies.first {
                    abstainedByLabel[item.label, default: 0] += 1
                    guard case .object(let review) = try StrictJSONParser.parse(copy.value ?? []) else {
                        Issue.record("item \(index): the review copy is not JSON")
                        continue
                    }
                    #expect(review["input"] == (try StrictJSONParser.parse(item.value)))
                    #expect(review["output"] == .object(fields))
                    #expect(copy.header(WorkerOutput.sourceOffsetHeader) == label.header(WorkerOutput.sourceOffsetHeader))
                    #expect(copy.header(WorkerOutput.abstainedHeader) == "true")
                }
            }
            for (label, count) in abstainedByLabel {
                #expect(metrics.counterTotal(label: "newsclf_abstained_total", dimensions: [("label", label)]) == Int64(count))
            }
            #expect(metrics.counterTotal(label: "newsclf_abstained_total") == Int64(expectedAbstained))
            #expect(metrics.counterTotal(label: "newsclf_outputs_published_total") == Int64(items.count + expectedAbstained))
            #expect(try metrics.expectTimer("newsclf_end_to_end_latency").values.count == items.count, "latency once per input")
            let committed = try await fixture.committedOffsets(groupID: groupID)
            #expect(committed == (try await fixture.highWatermarks()), "every input partition committed to its end")
        }
    }
}
