import Foundation
import Kafka
import TestSupport
import Testing
import Worker

/// The `newsclf-worker` executable as a child process, against the test's mock cluster (over
/// TCP): killed with SIGKILL mid-stream and restarted, every input still gets an output.
extension WorkerBrokerTests {
    @Suite(.enabled(if: WorkerExecutable.url != nil, "newsclf-worker is not built"))
    struct NewsclfWorkerTests {
        static func launch(
            bootstrapServers: String, groupID: String, extra: [String] = [],
            environment: [String: String] = [:], standardError: FileHandle? = nil
        ) throws -> Process {
            let process = Process()
            process.executableURL = WorkerExecutable.url
            process.arguments = [
                "--bootstrap-servers", bootstrapServers, "--group-id", groupID, "--metrics-address", "",
                "--model", WorkerTestSupport.shippedModel.path,
                "--kafka", "session.timeout.ms=3000", "--kafka", "heartbeat.interval.ms=300",
            ] + extra
            process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = standardError ?? WorkerExecutable.logFile()
            try process.run()
            return process
        }

        /// SIGTERM while the worker is still starting (here: creating topics on a broker that does
        /// not answer) ends it with status 0 instead of the default disposition's death by signal.
        @Test func sigtermWhileStartingExitsZero() async throws {
            let logPath = NSTemporaryDirectory() + "newsclf-worker-starting-\(UUID().uuidString.prefix(8)).log"
            #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
            defer { try? FileManager.default.removeItem(atPath: logPath) }
            let log = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
            let worker = try Self.launch(
                bootstrapServers: "127.0.0.1:1", groupID: WorkerBrokerFixture.freshGroupID(),
                extra: ["--create-topics", "--log-level", "info"], standardError: FileHandle(forWritingAtPath: logPath))
            defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            while clock.now < deadline, !log().contains("starting") { try await Task.sleep(for: .milliseconds(20)) }
            try #require(log().contains("starting"), "the worker logged 'starting' within 30 s")
            #expect(worker.isRunning, "still creating topics on a broker that does not answer")
            worker.terminate()
            let exitDeadline = clock.now.advanced(by: .seconds(10))
            while worker.isRunning, clock.now < exitDeadline { try await Task.sleep(for: .milliseconds(20)) }
            try #require(!worker.isRunning, "exited within 10 s of SIGTERM")
            #expect(worker.terminationReason == .exit)
            #expect(worker.terminationStatus == 0)
            #expect(log().contains("stop signal before the worker started"))
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

        /// The exactly-once restart path on the mock: a worker killed with SIGKILL inside its
        /// transactions, restarted with the same `transactional_id`, initialises its transactions
        /// again and answers every input. Exactly-once itself cannot be asserted here: librdkafka's
        /// mock (2.0.2, and upstream `rdkafka_mock_handlers.c` still) gives a restarted producer a
        /// new producer id instead of bumping the old one's epoch (no fencing, the open transaction
        /// is never aborted), stores no offsets from `TxnOffsetCommit`, and answers every Fetch with
        /// no aborted transactions and the last stable offset at the log end, so `read_committed`
        /// readers see the killed worker's uncommitted outputs and the restart redoes every input.
        /// ``ExactlyOnceTests`` asserts the guarantee on noida-db.
        @Test func aKilledExactlyOnceWorkerRestartedWithItsTransactionalIDAnswersEveryInput() async throws {
            let fixture = try WorkerBrokerFixture()
            let groupID = WorkerBrokerFixture.freshGroupID()
            let exactlyOnce = [
                "--processing-guarantee", "exactly_once", "--transactional-id", "kill-\(UUID().uuidString)",
                "--batch-max-size", "8",
            ]
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            try await fixture.produce(
                try (0..<200).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Rover finds ice \($0)")) })
            let first = try Self.launch(
                bootstrapServers: fixture.cluster.bootstrapServers, groupID: groupID, extra: exactlyOnce)
            let started = await collector.wait { !$0.isEmpty }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(started, "the first worker answered something before it was killed")

            // The restart's log, to know when it has joined: the first worker may have answered
            // everything before the kill landed, and the mock shows its outputs, so the
            // collector alone cannot tell that the second one is serving.
            let logPath = NSTemporaryDirectory() + "newsclf-worker-restart-\(UUID().uuidString.prefix(8)).log"
            #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
            defer { try? FileManager.default.removeItem(atPath: logPath) }
            let second = try Self.launch(
                bootstrapServers: fixture.cluster.bootstrapServers, groupID: groupID,
                extra: exactlyOnce + ["--log-level", "info"], standardError: FileHandle(forWritingAtPath: logPath))
            let subscribed = await collector.wait(timeout: .seconds(60)) { _ in
                ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("subscribed")
            }
            #expect(subscribed, "the restarted worker subscribed within 60 s")
            let complete = await collector.wait(timeout: .seconds(60)) {
                Set($0.compactMap(\.sourcePosition)).count >= 200
            }
            second.terminate()
            second.waitUntilExit()
            await collector.stop()
            #expect(complete, "every input answered: \(Set(collector.messages.compactMap(\.sourcePosition)).count) of 200")
            #expect(second.terminationReason == .exit)
            #expect(second.terminationStatus == 0, "the restarted worker was not fenced and drains on SIGTERM")
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

        /// systemd's notification protocol as the unit sees it (`Type=notify`, `WatchdogSec=`,
        /// `ExecReload=kill -HUP`): `READY=1` only once the model is loaded and the worker is
        /// ready (the topics exist and the consumer joined its group); `WATCHDOG=1` every half watchdog interval, idle and busy; SIGHUP gives
        /// `RELOADING=1` with a current `MONOTONIC_USEC`, then `READY=1`; SIGTERM gives
        /// `STOPPING=1` and exit status 0.
        @Test func notifiesSystemdReadyWatchdogReloadingAndStoppingInOrder() async throws {
            let fixture = try WorkerBrokerFixture()
            let listener = try SystemdNotifierTests.Listener()
            let recorder = NotificationRecorder(listener)
            defer { recorder.stop() }
            let logPath = NSTemporaryDirectory() + "newsclf-worker-notify-\(UUID().uuidString.prefix(8)).log"
            #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
            defer { try? FileManager.default.removeItem(atPath: logPath) }
            // The log file is read when READY=1 arrives: what the worker wrote before it sent
            // READY=1 is there by then (both are system calls, in program order).
            recorder.onFirstReady = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
            let watchdog = Duration.seconds(1)
            let worker = try Self.launch(
                bootstrapServers: fixture.cluster.bootstrapServers, groupID: WorkerBrokerFixture.freshGroupID(),
                extra: ["--log-level", "info"],
                environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "\(watchdog.components.seconds * 1_000_000)"],
                standardError: FileHandle(forWritingAtPath: logPath))
            defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }

            let ready = await recorder.wait(timeout: .seconds(30)) { $0.contains { $0.text.hasPrefix("READY=1") } }
            try #require(ready, "READY=1 within 30 s")
            // Keep-alives start with the process (systemd's watchdog runs during the start too);
            // READY=1 comes before any other notification.
            #expect(
                recorder.notifications.first { $0.text != "WATCHDOG=1" }?.text.hasPrefix("READY=1") == true,
                "READY=1 comes first")
            let logAtReady = try #require(recorder.logAtFirstReady)
            #expect(logAtReady.contains("model loaded"), "the model is loaded before READY=1")
            #expect(logAtReady.contains("subscribed"), "the consumer subscribed before READY=1")
            #expect(logAtReady.contains("partitions assigned"), "the consumer joined its group before READY=1")

            // Idle, then busy classifying a backlog.
            try await Task.sleep(for: .seconds(3))
            let idleEnd = recorder.notifications.count
            let collector = try OutputCollector(
                bootstrapServers: fixture.cluster.bootstrapServers, topics: [fixture.output, fixture.deadLetters])
            try await fixture.produce(
                try (0..<1500).map { ("k\($0)", try WorkerTestSupport.inputJSON(id: "\($0)", text: "Central bank raises rates \($0)")) })
            let busyStart = recorder.notifications.count
            let answered = await collector.wait(timeout: .seconds(120)) { $0.count >= 1500 }
            let busyEnd = recorder.notifications.count
            await collector.stop()
            #expect(answered, "the backlog is answered")

            let idle = Array(recorder.notifications[..<idleEnd])
            let busy = Array(recorder.notifications[busyStart..<busyEnd])
            for (phase, notifications) in [("idle", idle), ("busy", busy)] {
                let pings = notifications.filter { $0.text == "WATCHDOG=1" }.map(\.time)
                #expect(pings.count >= 3, "\(phase): WATCHDOG=1 keeps coming (\(pings.count))")
                let gaps = zip(pings, pings.dropFirst()).map { $1 - $0 }
                // Sent every half interval; what systemd needs is a ping within every interval
                // (the other half is the slack for a loaded machine).
                let longest = gaps.max() ?? .zero
                #expect(longest < watchdog, "\(phase): longest gap between WATCHDOG=1 \(longest)")
            }

            // SIGHUP: RELOADING=1 with the monotonic time of the reload, then READY=1.
            let beforeReload = Self.monotonicMicroseconds()
            let reloadStart = recorder.notifications.count
            kill(worker.processIdentifier, SIGHUP)
            let reloaded = await recorder.wait(timeout: .seconds(30)) {
                $0[reloadStart...].contains { $0.text.hasPrefix("READY=1") }
            }
            let afterReload = Self.monotonicMicroseconds()
            #expect(reloaded, "READY=1 after the reload")
            let reload = recorder.notifications[reloadStart...].filter { $0.text != "WATCHDOG=1" }.map(\.text)
            #expect(reload.count == 2, "\(reload)")
            let reloading = reload.first?.split(separator: "\n").map(String.init) ?? []
            #expect(reloading.first == "RELOADING=1", "\(reload)")
            let stamp = reloading.first { $0.hasPrefix("MONOTONIC_USEC=") }
                .flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) }
            #expect(stamp.map { (beforeReload...afterReload).contains($0) } == true,
                    "MONOTONIC_USEC \(String(describing: stamp)) is CLOCK_MONOTONIC at the reload")
            #expect(reload.last?.hasPrefix("READY=1") == true, "\(reload)")

            // SIGTERM: STOPPING=1, then exit 0; nothing but keep-alives after STOPPING=1.
            let stopStart = recorder.notifications.count
            worker.terminate()
            worker.waitUntilExit()
            try await Task.sleep(for: .milliseconds(200))
            let stop = recorder.notifications[stopStart...].filter { $0.text != "WATCHDOG=1" }.map(\.text)
            #expect(stop == ["STOPPING=1"])
            #expect(worker.terminationReason == .exit)
            #expect(worker.terminationStatus == 0)
        }

        static func monotonicMicroseconds() -> UInt64 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        }
    }
}

/// Receives systemd notifications on a background thread, with the time each arrived.
final class NotificationRecorder: @unchecked Sendable {
    struct Notification: Sendable {
        let time: ContinuousClock.Instant
        let text: String
    }

    private let listener: SystemdNotifierTests.Listener
    private let lock = NSLock()
    private var received: [Notification] = []
    private var stopped = false
    private var readySnapshot: String?
    private let done = DispatchSemaphore(value: 0)
    /// Called on the receiving thread when the first `READY=1` arrives; its result is
    /// ``logAtFirstReady``.
    var onFirstReady: (@Sendable () -> String)?

    init(_ listener: SystemdNotifierTests.Listener) {
        self.listener = listener
        Thread { [self] in
            while !lock.withLock({ stopped }) {
                guard let text = self.listener.receive() else { continue }
                let notification = Notification(time: .now, text: text)
                let firstReady = text.hasPrefix("READY=1") && lock.withLock { readySnapshot == nil }
                let snapshot = firstReady ? onFirstReady?() ?? "" : nil
                lock.withLock {
                    if let snapshot { readySnapshot = snapshot }
                    received.append(notification)
                }
            }
            done.signal()
        }.start()
    }

    var notifications: [Notification] { lock.withLock { received } }
    var logAtFirstReady: String? { lock.withLock { readySnapshot } }

    /// Waits until `condition` holds for what arrived, or `timeout` passed.
    func wait(timeout: Duration, until condition: ([Notification]) -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if condition(notifications) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(notifications)
    }

    /// Stops the thread (within the listener's 2 s receive timeout).
    func stop() {
        lock.withLock { stopped = true }
        done.wait()
    }
}

/// Where the built `newsclf-worker` (and the other executables) are: beside the test bundle, or
/// in `.build/debug`.
enum WorkerExecutable {
    static let url: URL? = named("newsclf-worker")

    /// The built executable `name`, or `nil` when it is not built.
    static func named(_ name: String) -> URL? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [beside, beside.deletingLastPathComponent(), PackagePaths.root.appendingPathComponent(".build/debug")] {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

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
