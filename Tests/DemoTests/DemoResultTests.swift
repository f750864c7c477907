import Classification
import Demo
import Foundation
import StreamHarness
import TestSupport
import Testing

struct DemoResultTests {
    static let trueLabels = [0, 1, 2, 3, 0, 1, 2, 3, 1, 1]
    static let predictions = [0, 1, 2, 2, 0, 1, 3, 3, 0, 1]
    static let committed = [ShutdownReport.PartitionOffsets(partition: 0, end: 25, committed: 25)]

    static func result(
        exit: WorkerProcess.Exit = ShutdownReportTests.cleanExit, offsets: [ShutdownReport.PartitionOffsets] = committed,
        offsetsError: String? = nil
    ) throws -> DemoResult {
        let stream = StreamRecords.stream(trueLabels: trueLabels)
        let tally = try StreamRecords.tally(stream: stream, predictions: predictions)
        let file = URL(fileURLWithPath: "/data/test.csv.gz")
        return DemoResult(
            configuration: DemoConfiguration(broker: .embedded, dataFile: file, model: file, workerExecutable: file, runID: "run1"),
            bootstrapServers: "127.0.0.1:9092", stream: stream, modelName: "agnews-gru", modelDigest: "sha256:00",
            labels: StreamRecords.labels,
            report: StreamReport(tally: tally, trueLabels: trueLabels, sentAt: Array(repeating: .zero, count: trueLabels.count), classCount: 4),
            publishFailures: [], answeredInTime: true, readAllOutputs: true,
            shutdown: ShutdownReport(exit: exit, inputTopic: "news.raw", offsets: offsets), offsetsError: offsetsError,
            agreement: ModelAgreement(
                workerPredictions: predictions, modelPredictions: predictions, trueLabels: trueLabels, classCount: 4))
    }

    @Test func aCompleteRunWithACleanShutdownSucceedsAndSaysSo() throws {
        let result = try Self.result()
        let text = result.render()
        let accuracy = Evaluation(labels: Self.trueLabels, predictions: Self.predictions, classCount: 4).accuracy
        #expect(result.isSuccess, "\(result.failures)")
        #expect(text.contains(String(format: "accuracy: %.4f (7 of 10 items", accuracy)))
        #expect(text.contains("the worker's label equals its prediction for 10 of 10 items"))
        #expect(text.contains("result: every item got exactly one label (10/10), every malformed message exactly one dead letter (7/7)"))
        #expect(text.contains("offsets committed: group newsclf-demo-run1 at the end of all 1 partitions of news.raw"))
    }

    @Test func aWorkerThatDidNotExitZeroFailsTheRun() throws {
        let exit = WorkerProcess.Exit(status: 1, wasSignalled: false, wasKilled: false, stopDuration: .seconds(2))
        let result = try Self.result(exit: exit)
        #expect(!result.isSuccess)
        #expect(result.failures == ["the worker did not drain cleanly (exited 1 2.00 s after SIGTERM)"])
        #expect(result.render().contains("result: FAILED"))
    }

    @Test func uncommittedOffsetsFailTheRun() throws {
        let result = try Self.result(offsets: [.init(partition: 0, end: 25, committed: 20)])
        #expect(result.failures == ["committed offsets differ from the end offsets: partition 0: committed 20, end 25"])
    }

    @Test func unreadableOffsetsFailTheRun() throws {
        let result = try Self.result(offsets: [], offsetsError: "timed out")
        #expect(result.failures == ["the worker group's committed offsets could not be read: timed out"])
    }
}
