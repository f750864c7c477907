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
    /// `shadow_model` and `shadow_topic` end to end on librdkafka's mock cluster.
    @Suite struct ClassificationWorkerShadowTests {
        /// A worker with a shadow model publishes the same label records, byte for byte, as a
        /// worker without one on the same input; it exports the shadow's agreement with the
        /// served labels, and the shadow topic gets one record per input, marked as shadow, with
        /// the shadow model's label.
        @Test func theShadowChangesNoLabelExportsItsAgreementAndPublishesOneRecordPerInput() async throws {
            let values = try String(
                contentsOf: PackagePaths.inPackage("Tests/WorkerTests/Fixtures/abstain-off/input.jsonl"),
                encoding: .utf8
            ).split(separator: "\n").prefix(60).map { Array($0.utf8) }
            let messages = values.enumerated().map { (key: "key-\($0.offset)", value: $0.element) }
            // One item per batch: with the notebook's padding a label's last bits depend on the
            // batch it shares, so both workers must see the same batches.
            let settings = ["batch_max_size": "1"]

            let plain = try WorkerBrokerFixture()
            try await plain.produce(messages)
            let plainWorker = RunningWorker(
                try plain.makeWorker(try plain.configuration(groupID: WorkerBrokerFixture.freshGroupID(), extra: settings)))
            let plainOutputs = try await plain.readOutputs(count: values.count, timeout: .seconds(60))
            try await plainWorker.stop()

            let shadowed = try WorkerBrokerFixture()
            try await shadowed.produce(messages)
            let metrics = TestMetrics()
            let shadowPath = PackagePaths.inShared("models/notebook-gru-partial").path
            let shadowModels = ShadowModelStore(
                path: shadowPath, servedLabels: { ["World", "Sports", "Business", "Sci/Tech"] },
                metrics: ShadowMetrics(factory: metrics), logger: WorkerTestSupport.logger)
            let shadow = try #require(shadowModels.current)
            let groupID = WorkerBrokerFixture.freshGroupID()
            let shadowedWorker = RunningWorker(
                try shadowed.makeWorker(
                    try shadowed.configuration(
                        groupID: groupID,
                        extra: settings.merging(["shadow_model": shadowPath, "shadow_topic": shadowed.shadow]) { $1 }),
                    metrics: WorkerMetrics(factory: metrics), shadowModels: shadowModels, shadowQueueCapacity: 1000))
            let shadowedOutputs = try await shadowed.readOutputs(count: 2 * values.count, timeout: .seconds(60))
            try await shadowedWorker.stop()

            let plainLabels = plainOutputs.filter { $0.topic == plain.output }
            let labels = shadowedOutputs.filter { $0.topic == shadowed.output }
            let shadowLabels = shadowedOutputs.filter { $0.topic == shadowed.shadow }
            #expect(plainLabels.count == values.count && labels.count == values.count)
            #expect(shadowLabels.count == values.count, "one shadow record per input")
            #expect(Set(shadowLabels.compactMap(\.key)).count == values.count, "no input twice on the shadow topic")

            let served = try WorkerTestSupport.classifier()
            var expected = ShadowAgreement()
            for (index, value) in values.enumerated() {
                let key = Array("key-\(index)".utf8)
                let withoutShadow = try #require(plainLabels.first { $0.key == key }, "item \(index)")
                let withShadow = try #require(labels.first { $0.key == key }, "item \(index)")
                #expect(withShadow.value == withoutShadow.value, "item \(index): the label record is byte-identical")
                #expect(withShadow.headers == withoutShadow.headers, "item \(index)")

                let text = try NewsInput.decode(value, maxBytes: 1 << 20).get().text
                let servedLabel = try served.classify([served.encode(text)])[0].label
                let shadowLabel = try shadow.classify([shadow.encode(text)])[0].label
                expected.add(served: [servedLabel], shadow: [shadowLabel])
                let record = try #require(shadowLabels.first { $0.key == key }, "item \(index): no shadow record")
                #expect(record.header(MessageHeaders.shadow) == "true")
                #expect(record.header(WorkerOutput.sourceOffsetHeader) == withShadow.header(WorkerOutput.sourceOffsetHeader))
                guard case .object(let fields) = try StrictJSONParser.parse(record.value ?? []),
                    case .object(let model) = fields["model"]
                else {
                    Issue.record("item \(index): the shadow record is not a label message")
                    continue
                }
                #expect(fields["label"] == .string(shadowLabel), "item \(index): the shadow model's label")
                #expect(model["digest"] == .string(shadow.digest))
            }
            #expect(expected.agreed < expected.compared, "the two models differ somewhere, or the test shows nothing")
            let ratio = try metrics.expectGauge("newsclf_shadow_agreement_ratio").lastValue
            #expect(ratio == expected.ratio)
            for (pair, count) in expected.counts {
                #expect(
                    metrics.counterTotal(
                        label: "newsclf_shadow_predictions_total", dimensions: [("served", pair.served), ("shadow", pair.shadow)])
                        == Int64(count), "\(pair)")
            }
            #expect(try metrics.expectTimer("newsclf_shadow_batch_duration").values.count == values.count)
            #expect(metrics.counterTotal(label: "newsclf_shadow_dropped_batches_total") == 0)
            #expect(metrics.counterTotal(label: "newsclf_shadow_outputs_published_total") == Int64(values.count))
            #expect(metrics.counterTotal(label: "newsclf_outputs_published_total") == Int64(values.count), "the pipeline's own outputs only")
            let committed = try await shadowed.committedOffsets(groupID: groupID)
            #expect(committed == (try await shadowed.highWatermarks()))
        }
    }
}
