import Classification
import Foundation
import Kafka
import MetricsTestKit
import Testing
import TestSupport
import TextPipeline
import Worker

@Suite struct ShadowEvaluatorTests {
    /// `count` input records of AG News test items from `start`, with their texts.
    static func inputs(_ range: Range<Int>) throws -> (messages: [KafkaConsumerMessage], texts: [String]) {
        let items = Array(try AGNewsReader.read(contentsOf: WorkerTestSupport.agNewsTest)[range])
        let messages = try items.enumerated().map { index, item in
            KafkaConsumerMessage(
                topic: "news.raw", partition: 0, offset: Int64(range.lowerBound + index), key: nil,
                value: try WorkerTestSupport.inputJSON(id: "t\(range.lowerBound + index)", text: item.text))
        }
        return (messages, items.map(\.text))
    }

    /// A shadow that falls behind drops the batches that find its queue full, and counts them;
    /// the ones queued are classified when it catches up, and their agreement with the served
    /// labels is what the two models give each item.
    @Test func aFullQueueDropsAndCountsBatchesAndTheQueuedOnesAreCompared() async throws {
        let metrics = TestMetrics()
        let shadowPath = PackagePaths.inShared("models/notebook-gru-partial").path
        let store = ShadowModelStore(
            path: shadowPath, servedLabels: { ["World", "Sports", "Business", "Sci/Tech"] },
            metrics: ShadowMetrics(factory: metrics), logger: WorkerTestSupport.logger)
        let shadow = try #require(store.current)
        let served = try WorkerTestSupport.classifier()
        let evaluator = ShadowEvaluator(
            models: store, sampleRate: 1, queueCapacity: 2, shadowTopic: nil, maxMessageBytes: 1 << 20,
            producer: nil, logger: WorkerTestSupport.logger)
        // Not started yet: it cannot keep up at all.
        var expected = ShadowAgreement()
        for batch in 0..<5 {
            let (messages, texts) = try Self.inputs(batch * 8..<(batch + 1) * 8)
            let servedLabels = try texts.map { try served.classify([served.encode($0)])[0].label }
            evaluator.submit(inputs: messages, served: servedLabels)
            if batch < 2 {
                // As the evaluator does: the batch's valid items as one padded batch (the
                // notebook padding makes a label depend on its batch).
                expected.add(served: servedLabels, shadow: try shadow.classify(texts.map { shadow.encode($0) }).map(\.label))
            }
        }
        #expect(metrics.counterTotal(label: "newsclf_shadow_dropped_batches_total") == 3)
        evaluator.start()
        await evaluator.finish()
        #expect(evaluator.agreement.compared == 16, "the two queued batches, 8 items each")
        #expect(evaluator.agreement.counts == expected.counts, "the labels the shadow gives each batch")
        #expect(try metrics.expectTimer("newsclf_shadow_batch_duration").values.count == 2)
        let ratio = try metrics.expectGauge("newsclf_shadow_agreement_ratio").lastValue
        #expect(ratio == expected.ratio)
        for (pair, count) in expected.counts {
            #expect(
                metrics.counterTotal(
                    label: "newsclf_shadow_predictions_total", dimensions: [("served", pair.served), ("shadow", pair.shadow)])
                    == Int64(count))
        }
        evaluator.submit(inputs: try Self.inputs(0..<1).messages, served: ["World"])
        #expect(evaluator.agreement.compared == 16, "nothing is taken after finish")
    }

    /// Dead letters (served `nil`) are not compared; an input that is not JSON is one for the
    /// shadow too.
    @Test func deadLettersAreNotCompared() async throws {
        let store = ShadowModelStore(
            path: WorkerTestSupport.shippedModel.path, servedLabels: { ["World", "Sports", "Business", "Sci/Tech"] },
            metrics: ShadowMetrics(factory: TestMetrics()), logger: WorkerTestSupport.logger)
        let evaluator = ShadowEvaluator(
            models: store, sampleRate: 1, shadowTopic: nil, maxMessageBytes: 1 << 20, producer: nil,
            logger: WorkerTestSupport.logger)
        evaluator.start()
        var (messages, texts) = try Self.inputs(0..<4)
        messages.append(KafkaConsumerMessage(topic: "news.raw", partition: 0, offset: 99, key: nil, value: Array("{not json".utf8)))
        let classifier = try WorkerTestSupport.classifier()
        var served: [String?] = try classifier.classify(texts.map { classifier.encode($0) }).map(\.label)
        served.append(nil)
        evaluator.submit(inputs: messages, served: served)
        await evaluator.finish()
        #expect(evaluator.agreement.compared == 4)
        #expect(evaluator.agreement.agreed == 4, "the same model as its own shadow agrees with itself")
    }

    #if os(Linux)
        /// The shadow's thread runs at nice 19, and the main thread keeps its priority
        /// (`/proc/self/task/*/stat`, field 19).
        @Test func theShadowThreadAloneRunsAtTheLowestPriority() async throws {
            let store = ShadowModelStore(
                path: "/nonexistent/shadow", servedLabels: { [] }, metrics: ShadowMetrics(factory: TestMetrics()),
                logger: WorkerTestSupport.logger)
            let evaluator = ShadowEvaluator(
                models: store, sampleRate: 1, shadowTopic: nil, maxMessageBytes: 1 << 20, producer: nil,
                logger: WorkerTestSupport.logger)
            /// The main thread's nice value (`/proc/self/stat` describes the thread group leader).
            func processNice() throws -> Int? {
                let stat = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
                guard let close = stat.lastIndex(of: ")") else { return nil }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 16 ? Int(fields[16]) : nil
            }
            let niceBefore = try processNice()
            try #require(niceBefore != nil && niceBefore != 19)
            evaluator.start()
            func niceValues() throws -> [String: [Int]] {
                var result: [String: [Int]] = [:]
                for task in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") {
                    guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                        let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                        let close = stat.lastIndex(of: ")")
                    else { continue }
                    // Fields after "(comm)": state is field 3, nice field 19.
                    let fields = stat[stat.index(after: close)...].split(separator: " ")
                    guard fields.count > 16, let nice = Int(fields[16]) else { continue }
                    result[comm.trimmingCharacters(in: .whitespacesAndNewlines), default: []].append(nice)
                }
                return result
            }
            var values = try niceValues()
            for _ in 0..<50 where values["newsclf shadow"] != [19] {
                try await Task.sleep(for: .milliseconds(20))
                values = try niceValues()
            }
            #expect(values["newsclf shadow"] == [19], "\(values)")
            #expect(try processNice() == niceBefore, "the main thread keeps its priority")
            await evaluator.finish()
        }
    #endif
}
