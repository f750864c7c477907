import Classification
import Foundation
import Kafka
import MetricsTestKit
import Testing
import WireFormat
import Worker

extension WorkerBrokerTests {
    /// The worker end to end against librdkafka's mock cluster (see ``WorkerBrokerTests``).
    @Suite struct ClassificationWorkerTests {
        /// `/readyz` turns red as soon as the stop is requested, not only once the batch in
        /// flight is done.
        @Test func aStopRequestMakesTheWorkerNotReadyAtOnce() async throws {
            let fixture = try WorkerBrokerFixture()
            let worker = RunningWorker(
                try fixture.makeWorker(try fixture.configuration(groupID: WorkerBrokerFixture.freshGroupID())))
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            while !worker.worker.health.readiness.ready && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(worker.worker.health.readiness.ready, "ready once subscribed")
            worker.worker.requestStop()
            #expect(worker.worker.health.readiness == (false, "draining"))
            try await worker.task.value
            #expect(worker.worker.health.readiness == (false, "draining"))
        }

        @Test func everyInputGetsOneLabelWithItsKeySourceAndTrueClass() async throws {
            let fixture = try WorkerBrokerFixture()
            let items = try WorkerTestSupport.confidentItems(count: 40)
            try #require(items.count == 40)
            try await fixture.produce(
                try items.enumerated().map { index, item in
                    ("key-\(index)", try WorkerTestSupport.inputJSON(id: "item-\(index)", text: item.text))
                })
            let worker = RunningWorker(
                try fixture.makeWorker(try fixture.configuration(groupID: WorkerBrokerFixture.freshGroupID())))
            let outputs = try await fixture.readOutputs(count: items.count)
            try await worker.stop()

            #expect(outputs.count == items.count)
            #expect(outputs.allSatisfy { $0.topic == fixture.output })
            let digest = try WorkerTestSupport.classifier().digest
            for output in outputs {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(output.value ?? [])) as? [String: Any])
                let id = try #require(object["id"] as? String)
                let index = try #require(Int(id.dropFirst("item-".count)))
                #expect(output.key == Array("key-\(index)".utf8), "the output keeps the input's key")
                #expect(object["label_id"] as? Int == items[index].label, "item \(index)")
                let model = object["model"] as? [String: Any]
                #expect(model?["digest"] as? String == digest)
                let source = try #require(object["source"] as? [String: Any])
                #expect(source["topic"] as? String == fixture.input)
                #expect(output.header(WorkerOutput.sourceTopicHeader) == fixture.input)
                #expect(output.header(WorkerOutput.sourcePartitionHeader) == "\(source["partition"] as? Int ?? -1)")
                #expect(output.header(WorkerOutput.sourceOffsetHeader) == "\(source["offset"] as? Int ?? -1)")
            }
            #expect(Set(outputs.compactMap(\.sourcePosition)).count == items.count, "one output per input")
        }

        @Test func eachBadInputBecomesADeadLetterWithItsKindAndUnchangedBytes() async throws {
            let fixture = try WorkerBrokerFixture()
            let bad: [(kind: DeadLetterReason.Kind, value: [UInt8])] = [
                (.invalidUTF8, [0x7B, 0xFF, 0xFE, 0x7D]),
                (.invalidJSON, Array("{\"text\": ".utf8)),
                (.notAnObject, Array("[\"text\"]".utf8)),
                (.wrongType, Array("{\"text\": 42}".utf8)),
                (.missingText, Array("{\"id\": \"x\"}".utf8)),
                (.emptyText, Array("{\"text\": \"  \\n \"}".utf8)),
                (.noTokens, Array("{\"text\": \"\u{1F4F0}\\u200b\u{FEFF}\u{301}\"}".utf8)),
                (.tooLarge, Array("{\"text\": \"\(String(repeating: "long ", count: 100))\"}".utf8)),
            ]
            try #require(bad.count == DeadLetterReason.Kind.allCases.count)
            let good = try WorkerTestSupport.inputJSON(id: "good", text: "Stocks rally as oil prices fall")
            try await fixture.produce(bad.map { ("key-\($0.kind.rawValue)", $0.value) } + [("key-good", good)])
            let metrics = TestMetrics()
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(
                        groupID: WorkerBrokerFixture.freshGroupID(), extra: ["max_message_bytes": "200"]),
                    metrics: WorkerMetrics(factory: metrics)))
            let outputs = try await fixture.readOutputs(count: bad.count + 1)
            try await worker.stop()

            #expect(outputs.count == bad.count + 1)
            #expect(outputs.filter { $0.topic == fixture.output }.map(\.key) == [Array("key-good".utf8)])
            for (kind, value) in bad {
                let letter = try #require(
                    outputs.first { $0.key == Array("key-\(kind.rawValue)".utf8) }, "no dead letter for \(kind)")
                #expect(letter.topic == fixture.deadLetters)
                #expect(letter.value == value, "\(kind): the original bytes, unchanged")
                #expect(letter.header(WorkerOutput.errorKindHeader) == kind.rawValue)
                #expect(letter.header(WorkerOutput.errorMessageHeader)?.isEmpty == false)
                #expect(letter.header(WorkerOutput.sourceTopicHeader) == fixture.input)
                #expect(letter.header(WorkerOutput.sourcePartitionHeader) != nil)
                #expect(letter.header(WorkerOutput.sourceOffsetHeader) != nil)
                #expect(metrics.counterTotal(label: "newsclf_dead_letters_total", dimensions: [("kind", kind.rawValue)]) == 1)
            }
            #expect(metrics.counterTotal(label: "newsclf_items_classified_total") == 1)
            #expect(metrics.counterTotal(label: "newsclf_outputs_published_total") == Int64(bad.count + 1))
            #expect(metrics.counterTotal(label: "newsclf_messages_consumed_total") == Int64(bad.count + 1))
            #expect(try metrics.expectTimer("newsclf_batch_duration").values.isEmpty == false)
            #expect(try metrics.expectTimer("newsclf_end_to_end_latency").values.count == bad.count + 1)
            let digest = try WorkerTestSupport.classifier().digest
            #expect(try metrics.expectGauge("newsclf_model_info", [("name", "agnews-gru"), ("digest", digest)]).lastValue == 1)
        }

        @Test func drainCommitsEveryAnsweredOffset() async throws {
            let fixture = try WorkerBrokerFixture()
            try await fixture.produce(
                try (0..<30).map { ("key-\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Match report \($0)")) })
            let groupID = WorkerBrokerFixture.freshGroupID()
            let worker = RunningWorker(try fixture.makeWorker(try fixture.configuration(groupID: groupID)))
            let outputs = try await fixture.readOutputs(count: 30)
            try await worker.stop()

            #expect(outputs.count == 30)
            #expect(worker.worker.health.readiness.ready == false, "not ready once drained")
            let committed = try await fixture.committedOffsets(groupID: groupID)
            let high = try await fixture.highWatermarks()
            #expect(committed == high, "the committed offsets reach the end of every input partition")
        }

        @Test func aRestartedWorkerInTheSameGroupAnswersEveryInput() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            try await fixture.produce(
                try (0..<20).map { ("first-\($0)", try WorkerTestSupport.inputJSON(id: "a\($0)", text: "Team wins cup \($0)")) })
            let first = RunningWorker(try fixture.makeWorker(try fixture.configuration(groupID: groupID)))
            _ = try await fixture.readOutputs(count: 20)
            try await first.stop()

            try await fixture.produce(
                try (0..<20).map { ("second-\($0)", try WorkerTestSupport.inputJSON(id: "b\($0)", text: "Chip maker profit \($0)")) })
            let second = RunningWorker(try fixture.makeWorker(try fixture.configuration(groupID: groupID)))
            let outputs = try await fixture.readOutputs(count: 40)
            try await second.stop()

            let answered = Set(outputs.compactMap(\.sourcePosition))
            #expect(answered.count == 40, "every input answered")
            #expect(outputs.count == 40, "the second worker resumed at the committed offsets: no input redone")
        }

        @Test func backpressureWithOneInFlightStillAnswersEveryInput() async throws {
            let fixture = try WorkerBrokerFixture()
            try await fixture.produce(
                try (0..<25).map { ("key-\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Election results \($0)")) })
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(
                        groupID: WorkerBrokerFixture.freshGroupID(), extra: ["max_in_flight": "1"])))
            let outputs = try await fixture.readOutputs(count: 25)
            try await worker.stop()
            #expect(Set(outputs.compactMap(\.sourcePosition)).count == 25)
            #expect(outputs.count == 25)
        }

        /// The mock does not model exactly-once (KAFKA-TESTING.md): this runs the transactional
        /// code path (init, begin, produce, send offsets, commit) and checks the outputs; the
        /// guarantee itself is asserted on noida-db.
        @Test func exactlyOnceRunsOneTransactionPerBatch() async throws {
            let fixture = try WorkerBrokerFixture()
            try await fixture.produce(
                try (0..<20).map { ("key-\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Space probe lands \($0)")) }
                    + [("key-bad", Array("not json".utf8))])
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(
                        groupID: WorkerBrokerFixture.freshGroupID(),
                        extra: ["processing_guarantee": "exactly_once", "transactional_id": "test-\(UUID().uuidString)"])))
            let outputs = try await fixture.readOutputs(count: 21)
            try await worker.stop()
            #expect(outputs.count == 21)
            #expect(outputs.filter { $0.topic == fixture.deadLetters }.count == 1)
        }

        /// A produce refused inside the transaction: the worker aborts, rewinds, and redoes the
        /// batch in a new transaction (the mock shows aborted records too, so only "every input
        /// answered and the worker still runs" is asserted here).
        @Test func anAbortedTransactionIsRedone() async throws {
            let fixture = try WorkerBrokerFixture()
            try await fixture.produce(
                try (0..<10).map { ("key-\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Court rules on merger \($0)")) })
            try fixture.cluster.pushRequestErrors([.topicAuthorizationFailed], for: .produce)
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            let worker = RunningWorker(
                try fixture.makeWorker(
                    try fixture.configuration(
                        groupID: WorkerBrokerFixture.freshGroupID(),
                        extra: ["processing_guarantee": "exactly_once", "transactional_id": "test-\(UUID().uuidString)"])))
            let complete = await collector.wait { Set($0.compactMap(\.sourcePosition)).count >= 10 }
            try await worker.stop()
            await collector.stop()
            #expect(complete, "every input answered after the abort")
        }

        @Test func reloadBetweenBatchesChangesTheAnsweringModel() async throws {
            let fixture = try WorkerBrokerFixture()
            let directory = try ModelStoreTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let link = directory.appendingPathComponent("current")
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: WorkerTestSupport.shippedModel)
            let alternative = try ModelStoreTests.makeSmallCheckpoint(in: directory, name: "small")

            let configuration = try fixture.configuration(
                groupID: WorkerBrokerFixture.freshGroupID(), extra: ["model": link.path])
            let models = try ModelStore(path: link.path, environment: [:], logger: WorkerTestSupport.logger)
            let worker = ClassificationWorker(
                configuration: configuration, models: models, notifier: SystemdNotifier(socketPath: nil),
                logger: WorkerTestSupport.logger)
            let running = RunningWorker(worker)
            try await fixture.produce([("before", try WorkerTestSupport.inputJSON(id: "before", text: "Oil prices rise"))])
            let before = try await fixture.readOutputs(count: 1)

            try FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: alternative)
            #expect(worker.reloadModel().succeeded)
            try await fixture.produce([("after", try WorkerTestSupport.inputJSON(id: "after", text: "Oil prices rise"))])
            let all = try await fixture.readOutputs(count: 2)
            try await running.stop()

            func digest(_ message: KafkaConsumerMessage?) throws -> String? {
                let object = try JSONSerialization.jsonObject(with: Data(message?.value ?? [])) as? [String: Any]
                return (object?["model"] as? [String: Any])?["digest"] as? String
            }
            #expect(try digest(before.first) == WorkerTestSupport.classifier().digest)
            let after = all.first { $0.key == Array("after".utf8) }
            #expect(try digest(after) == models.current.digest)
            #expect(try digest(after) != WorkerTestSupport.classifier().digest)
        }
    }
}
