import Demo
import Foundation
import Testing

struct DemoConfigurationTests {
    static let file = URL(fileURLWithPath: "/data/test.csv.gz")

    @Test func theEmbeddedBrokerUsesTheWorkersDefaultTopics() {
        let configuration = DemoConfiguration(broker: .embedded, dataFile: Self.file, model: Self.file, workerExecutable: Self.file, runID: "0123abcd")
        #expect([configuration.inputTopic, configuration.outputTopic, configuration.deadLetterTopic] == ["news.raw", "news.labels", "news.raw.dlq"])
    }

    @Test func anExternalClusterGetsTopicsAndGroupsNamedAfterTheRun() {
        let configuration = DemoConfiguration(
            broker: .external("kafka:9092"), dataFile: Self.file, model: Self.file, workerExecutable: Self.file, runID: "0123abcd")
        #expect(configuration.inputTopic == "newsclf-demo-0123abcd.raw")
        #expect(configuration.outputTopic == "newsclf-demo-0123abcd.labels")
        #expect(configuration.deadLetterTopic == "newsclf-demo-0123abcd.raw.dlq")
        #expect(configuration.workerGroupID == "newsclf-demo-0123abcd")
        #expect(configuration.collectorGroupID == "newsclf-demo-0123abcd-reader")
    }

    @Test func runIDsAreEightHexDigitsAndDiffer() {
        let ids = (0..<20).map { _ in DemoConfiguration.newRunID() }
        #expect(ids.allSatisfy { $0.count == 8 && $0.allSatisfy(\.isHexDigit) })
        #expect(Set(ids).count > 1)
    }

    @Test func theOversizeMessageIsLargerThanTheWorkersLimit() {
        let configuration = DemoConfiguration(broker: .embedded, dataFile: Self.file, model: Self.file, workerExecutable: Self.file)
        #expect(configuration.oversizeMessageBytes > configuration.workerMaxMessageBytes)
        #expect(configuration.oversizeMessageBytes < 1_000_000, "under the usual broker limit")
    }
}
