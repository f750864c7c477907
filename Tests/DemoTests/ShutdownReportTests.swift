import Demo
import Testing

struct ShutdownReportTests {
    static let cleanExit = WorkerProcess.Exit(status: 0, wasSignalled: false, wasKilled: false, stopDuration: .milliseconds(40))

    static func offsets(_ pairs: [(end: Int64, committed: Int64?)]) -> [ShutdownReport.PartitionOffsets] {
        pairs.enumerated().map { .init(partition: Int32($0.offset), end: $0.element.end, committed: $0.element.committed) }
    }

    @Test func everyPartitionCommittedToItsEndAfterExitZeroIsClean() {
        let report = ShutdownReport(exit: Self.cleanExit, inputTopic: "news.raw", offsets: Self.offsets([(10, 10), (0, 0), (7, 7)]))
        #expect(report.offsetsCommitted)
        #expect(report.isClean)
    }

    @Test func aPartitionCommittedShortOfItsEndIsNotCommitted() {
        let report = ShutdownReport(exit: Self.cleanExit, inputTopic: "news.raw", offsets: Self.offsets([(10, 10), (7, 6)]))
        #expect(!report.offsetsCommitted)
        #expect(!report.isClean)
    }

    @Test func aPartitionWithoutACommittedOffsetIsNotCommitted() {
        let report = ShutdownReport(exit: Self.cleanExit, inputTopic: "news.raw", offsets: Self.offsets([(10, nil)]))
        #expect(!report.offsetsCommitted)
    }

    @Test func noPartitionsAtAllIsNotCommitted() {
        #expect(!ShutdownReport(exit: Self.cleanExit, inputTopic: "news.raw", offsets: []).offsetsCommitted)
    }

    @Test func aNonZeroExitIsNotClean() {
        let exit = WorkerProcess.Exit(status: 1, wasSignalled: false, wasKilled: false, stopDuration: .seconds(1))
        let report = ShutdownReport(exit: exit, inputTopic: "news.raw", offsets: Self.offsets([(10, 10)]))
        #expect(report.offsetsCommitted)
        #expect(!report.isClean)
    }

    @Test func aKilledWorkerIsNotClean() {
        let exit = WorkerProcess.Exit(status: 9, wasSignalled: true, wasKilled: true, stopDuration: .seconds(60))
        #expect(!exit.isClean)
    }
}
