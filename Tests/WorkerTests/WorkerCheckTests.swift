import Classification
import Kafka
import Testing
import Worker

@Suite struct WorkerCheckTests {
    static let check = ReadinessCheckTests.check

    @Test func everyCheckPassesWithTheTopicsAndTheModel() throws {
        let report = WorkerCheck.report(
            check: Self.check, metadata: .success(ReadinessCheckTests.allTopics),
            model: .success(try WorkerTestSupport.classifier()))
        #expect(report.passed)
        #expect(report.lines.count == 5)
        #expect(report.lines[0].description == "ok      brokers 127.0.0.1:1: answered metadata")
        #expect(report.lines[1].description == "ok      input topic \"news.raw\": 4 partitions")
        #expect(report.lines[4].description.hasPrefix("ok      model agnews-gru: loaded and validated"))
        #expect(report.description.hasSuffix("\nall checks passed"))
    }

    @Test func aMissingTopicFailsItsLine() throws {
        let report = WorkerCheck.report(
            check: Self.check, metadata: .success([ReadinessCheckTests.topic("news.raw", partitions: 1)]),
            model: .success(try WorkerTestSupport.classifier()))
        #expect(!report.passed)
        #expect(report.lines[1].description == "ok      input topic \"news.raw\": 1 partition")
        #expect(report.lines[2].description == "FAILED  output topic \"news.labels\": does not exist")
        #expect(report.lines[3].description == "FAILED  dead-letter topic \"news.raw.dlq\": does not exist")
        #expect(report.description.hasSuffix("\n2 of 5 checks failed"))
    }

    @Test func unreachableBrokersFailTheBrokersAndLeaveTheTopicsUnchecked() throws {
        let error = KafkaError(code: .transport, message: "Connection refused", operation: "metadata")
        let report = WorkerCheck.report(
            check: Self.check, metadata: .failure(error), model: .success(try WorkerTestSupport.classifier()))
        #expect(!report.passed)
        #expect(report.lines[0].description == "FAILED  brokers 127.0.0.1:1: unreachable: _TRANSPORT: Connection refused")
        #expect(report.lines[1].description == "FAILED  input topic \"news.raw\": not checked (brokers unreachable)")
        #expect(report.lines[4].passed)
    }

    @Test func anUnloadableModelFailsItsLine() {
        let report = WorkerCheck.report(
            check: Self.check, metadata: .success(ReadinessCheckTests.allTopics),
            model: .failure(ModelLoadError(directory: "/nowhere", problem: "no such directory")))
        #expect(!report.passed)
        #expect(report.lines[4].description == "FAILED  model: cannot load model /nowhere: no such directory")
    }
}
