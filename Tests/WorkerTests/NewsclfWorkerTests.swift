import Foundation
import Kafka
import Testing
import Worker

/// The `newsclf-worker` executable as a child process, against the test's mock cluster (over
/// TCP): killed with SIGKILL mid-stream and restarted, every input still gets an output.
extension WorkerBrokerTests {
    @Suite(.enabled(if: WorkerExecutable.url != nil, "newsclf-worker is not built"))
    struct NewsclfWorkerTests {
        static func launch(bootstrapServers: String, groupID: String, extra: [String] = []) throws -> Process {
            let process = Process()
            process.executableURL = WorkerExecutable.url
            process.arguments = [
                "--bootstrap-servers", bootstrapServers, "--group-id", groupID, "--metrics-address", "",
                "--model", WorkerTestSupport.shippedModel.path,
                "--kafka", "session.timeout.ms=3000", "--kafka", "heartbeat.interval.ms=300",
            ] + extra
            process.environment = ["PATH": "/usr/bin:/bin"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = WorkerExecutable.logFile()
            try process.run()
            return process
        }

        @Test func aKilledWorkerRestartedInTheSameGroupAnswersEveryInput() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            try await fixture.produce(
                try (0..<100).map { ("a\($0)", try WorkerTestSupport.inputJSON(id: "a\($0)", text: "Markets open higher \($0)")) })
            let first = try Self.launch(bootstrapServers: fixture.cluster.bootstrapServers, groupID: groupID)
            let started = await collector.wait { !$0.isEmpty }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(started, "the first worker answered something before it was killed")

            try await fixture.produce(
                try (0..<100).map { ("b\($0)", try WorkerTestSupport.inputJSON(id: "b\($0)", text: "Striker scores twice \($0)")) })
            let second = try Self.launch(bootstrapServers: fixture.cluster.bootstrapServers, groupID: groupID)
            let complete = await collector.wait { Set($0.compactMap(\.sourcePosition)).count >= 200 }
            second.terminate()  // SIGTERM: drain and exit 0
            second.waitUntilExit()
            await collector.stop()

            #expect(complete, "every input answered: \(Set(collector.messages.compactMap(\.sourcePosition)).count) of 200")
            #expect(second.terminationStatus == 0, "SIGTERM drains and exits 0")
            #expect(second.terminationReason == .exit)
        }

        @Test func sighupReloadsAndSigtermDrainsCommitsAndExitsZero() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            try await fixture.produce(
                try (0..<50).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Senate passes bill \($0)")) })
            let worker = try Self.launch(bootstrapServers: fixture.cluster.bootstrapServers, groupID: groupID)
            await collector.wait { $0.count >= 1 }
            kill(worker.processIdentifier, SIGHUP)  // reloads the same model; serving goes on
            await collector.wait { $0.count >= 50 }
            #expect(worker.isRunning, "SIGHUP does not stop the worker")
            worker.terminate()
            worker.waitUntilExit()
            await collector.stop()

            #expect(worker.terminationReason == .exit)
            #expect(worker.terminationStatus == 0)
            #expect(try await fixture.committedOffsets(groupID: groupID) == fixture.highWatermarks())
        }
    }
}

/// Where the built `newsclf-worker` is: beside the test bundle, or in `.build/debug`.
enum WorkerExecutable {
    static let url: URL? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [beside, beside.deletingLastPathComponent(), WorkerTestSupport.packageRoot.appendingPathComponent(".build/debug")] {
            let candidate = directory.appendingPathComponent("newsclf-worker")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// Where a child worker's log goes: a new file in `NEWSCLF_TEST_WORKER_LOG_DIR` (at `info`)
    /// when that is set, else nowhere.
    static func logFile() -> FileHandle {
        guard let directory = ProcessInfo.processInfo.environment["NEWSCLF_TEST_WORKER_LOG_DIR"] else {
            return FileHandle.nullDevice
        }
        let path = "\(directory)/newsclf-worker-\(UUID().uuidString.prefix(8)).log"
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { return FileHandle.nullDevice }
        return handle
    }
}
