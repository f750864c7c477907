import Foundation
import Testing
import Worker

extension WorkerBrokerTests {
    /// `newsclf-worker --check` and `startup_timeout_ms` of the executable (issue 13 item 3): the
    /// exit status and the report, against the test's mock cluster, the embedded broker, and a
    /// port nobody listens on.
    @Suite(.enabled(if: WorkerExecutable.url != nil, "newsclf-worker is not built"))
    struct NewsclfWorkerCheckTests {
        struct Outcome {
            var status: Int32
            var standardOutput: String
            var standardError: String
        }

        /// Runs `newsclf-worker` with `arguments` (the shipped model, no metrics server) and
        /// waits up to `limit` for it to exit.
        static func run(_ arguments: [String], limit: Duration = .seconds(90)) async throws -> Outcome {
            let process = Process()
            process.executableURL = WorkerExecutable.url
            process.arguments = ["--metrics-address", "", "--model", WorkerTestSupport.shippedModel.path] + arguments
            process.environment = ["PATH": "/usr/bin:/bin"]
            let output = NSTemporaryDirectory() + "newsclf-check-\(UUID().uuidString.prefix(8))"
            #expect(FileManager.default.createFile(atPath: output + ".out", contents: nil))
            #expect(FileManager.default.createFile(atPath: output + ".err", contents: nil))
            defer {
                try? FileManager.default.removeItem(atPath: output + ".out")
                try? FileManager.default.removeItem(atPath: output + ".err")
            }
            process.standardOutput = FileHandle(forWritingAtPath: output + ".out")
            process.standardError = FileHandle(forWritingAtPath: output + ".err")
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: limit)
            while process.isRunning, clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try #require(!process.isRunning, "exited within \(limit)")
            let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
            return Outcome(
                status: process.terminationReason == .exit ? process.terminationStatus : -1,
                standardOutput: read(output + ".out"), standardError: read(output + ".err"))
        }

        @Test func checkPassesOnTheEmbeddedBroker() async throws {
            let outcome = try await Self.run(["--check", "--embedded-broker"])
            #expect(outcome.status == 0, "\(outcome.standardOutput)\(outcome.standardError)")
            #expect(outcome.standardOutput.contains("ok      input topic \"news.raw\": "))
            #expect(outcome.standardOutput.contains("ok      model agnews-gru: loaded and validated"))
            #expect(outcome.standardOutput.hasSuffix("all checks passed\n"), "\(outcome.standardOutput)")
        }

        @Test func checkPassesAgainstABrokerWithTheTopics() async throws {
            let fixture = try WorkerBrokerFixture()
            let outcome = try await Self.run(["--check", "--bootstrap-servers", fixture.cluster.bootstrapServers])
            #expect(outcome.status == 0, "\(outcome.standardOutput)\(outcome.standardError)")
            #expect(outcome.standardOutput.contains("ok      input topic \"news.raw\": 2 partitions"))
        }

        @Test func checkFailsForAMissingTopicNamingIt() async throws {
            let fixture = try WorkerBrokerFixture()
            let outcome = try await Self.run([
                "--check", "--bootstrap-servers", fixture.cluster.bootstrapServers, "--input-topic", "no.such.topic",
            ])
            #expect(outcome.status == 1, "\(outcome.standardOutput)\(outcome.standardError)")
            #expect(outcome.standardOutput.contains("FAILED  input topic \"no.such.topic\": does not exist"))
            #expect(outcome.standardOutput.contains("ok      output topic \"news.labels\": 2 partitions"))
            #expect(outcome.standardOutput.hasSuffix("1 of 5 checks failed\n"), "\(outcome.standardOutput)")
        }

        @Test func checkFailsForUnreachableBrokersWithinTheStartupTimeout() async throws {
            let clock = ContinuousClock()
            let started = clock.now
            let outcome = try await Self.run([
                "--check", "--bootstrap-servers", "127.0.0.1:1", "--startup-timeout-ms", "1500",
            ])
            #expect(outcome.status == 1, "\(outcome.standardOutput)\(outcome.standardError)")
            #expect(outcome.standardOutput.contains("FAILED  brokers 127.0.0.1:1: unreachable: "), "\(outcome.standardOutput)")
            #expect(clock.now - started < .seconds(60), "bounded by startup_timeout_ms (plus the model and the start)")
        }

        @Test func checkWithABadSettingExitsTwo() async throws {
            let outcome = try await Self.run(["--check", "--embedded-broker", "--startup-timeout-ms", "soon"])
            #expect(outcome.status == 2, "\(outcome.standardError)")
            #expect(outcome.standardError.contains("startup_timeout_ms"))
        }

        @Test func aWorkerWhoseBrokersStayAwayExitsOneAfterTheStartupTimeout() async throws {
            let outcome = try await Self.run([
                "--bootstrap-servers", "127.0.0.1:1", "--group-id", WorkerBrokerFixture.freshGroupID(),
                "--startup-timeout-ms", "2000",
            ])
            #expect(outcome.status == 1, "\(outcome.standardError)")
            #expect(outcome.standardError.contains("not ready within startup_timeout_ms"), "\(outcome.standardError)")
            #expect(outcome.standardError.contains("brokers unreachable (127.0.0.1:1)"), "\(outcome.standardError)")
        }
    }
}
