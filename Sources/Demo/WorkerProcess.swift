import Foundation
import StreamHarness
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `newsclf-worker` child process: started with flags, its standard output and error written to
/// a log file, asked for readiness on its `/readyz`, stopped with SIGTERM.
public final class WorkerProcess {
    /// How a stopped worker ended.
    public struct Exit: Sendable, Equatable {
        /// The exit status, or the signal number when ``wasSignalled``.
        public var status: Int32
        /// Whether a signal ended it (SIGKILL after the grace period, or a crash).
        public var wasSignalled: Bool
        /// Whether it had to be killed because it did not exit within the grace period.
        public var wasKilled: Bool
        /// SIGTERM → exit.
        public var stopDuration: Duration

        public init(status: Int32, wasSignalled: Bool, wasKilled: Bool, stopDuration: Duration) {
            self.status = status
            self.wasSignalled = wasSignalled
            self.wasKilled = wasKilled
            self.stopDuration = stopDuration
        }

        /// Exited by itself with status 0.
        public var isClean: Bool { status == 0 && !wasSignalled && !wasKilled }
    }

    private let process = Process()
    /// The executable.
    public let executable: URL
    /// The arguments it was started with.
    public let arguments: [String]
    /// Where its output goes.
    public let logFile: URL
    /// `host:port` of its observability server.
    public let metricsAddress: String

    /// Starts the worker.
    ///
    /// - Parameters:
    ///   - executable: the `newsclf-worker` binary.
    ///   - arguments: its flags (``metricsAddress`` is added as `--metrics-address`).
    ///   - metricsAddress: `127.0.0.1:PORT` for `/readyz`.
    ///   - environment: its environment.
    ///   - logFile: created (or truncated) to receive its standard output and error.
    /// - Throws: ``DemoError/workerDidNotStart(_:_:)`` when the file cannot be written or the
    ///   process cannot be started.
    public init(
        executable: URL, arguments: [String], metricsAddress: String, environment: [String: String], logFile: URL
    ) throws(DemoError) {
        self.executable = executable
        self.arguments = arguments + ["--metrics-address", metricsAddress]
        self.logFile = logFile
        self.metricsAddress = metricsAddress
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil),
            let log = FileHandle(forWritingAtPath: logFile.path)
        else {
            throw .workerDidNotStart(executable.path, "cannot write its log file \(logFile.path)")
        }
        process.executableURL = executable
        process.arguments = self.arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw .workerDidNotStart(executable.path, error.localizedDescription)
        }
    }

    /// The child's process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Whether it is still running.
    public var isRunning: Bool { process.isRunning }

    /// Waits until `GET /readyz` answers 200 (model loaded, consumer subscribed).
    /// - Throws: ``DemoError/workerNotReady(_:)`` when the process exits first or `timeout` passes.
    public func waitUntilReady(timeout: Duration) async throws(DemoError) {
        guard let url = URL(string: "http://\(metricsAddress)/readyz") else {
            throw .workerNotReady("bad metrics address \(metricsAddress)")
        }
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var last = "no answer"
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw .workerNotReady("it exited with status \(process.terminationStatus) before it was ready (log: \(logFile.path))")
            }
            do {
                let (body, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 { return }
                last = "/readyz answered \(status): \(String(decoding: body, as: UTF8.self).prefix(200))"
            } catch {
                last = "\(error.localizedDescription)"
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        throw .workerNotReady("not ready within \(timeout) (\(last); log: \(logFile.path))")
    }

    /// Sends SIGTERM (drain, commit, leave the group, exit 0) and waits up to `gracePeriod` for the
    /// exit; then SIGKILL.
    public func stop(gracePeriod: Duration) async -> Exit {
        let start = ContinuousClock.now
        var killed = false
        if process.isRunning {
            process.terminate()
            let exited = await Self.wait(for: gracePeriod) { !process.isRunning }
            if !exited {
                Foundation.kill(process.processIdentifier, SIGKILL)
                killed = true
                _ = await Self.wait(for: .seconds(10)) { !process.isRunning }
            }
        }
        process.waitUntilExit()
        return Exit(
            status: process.terminationStatus, wasSignalled: process.terminationReason == .uncaughtSignal,
            wasKilled: killed, stopDuration: ContinuousClock.now - start)
    }

    /// Kills the child at once (the demo itself is failing or interrupted).
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    private static func wait(for timeout: Duration, until condition: () -> Bool) async -> Bool {
        await LabelCollector.wait(for: timeout, until: condition)
    }

    /// A free TCP port on 127.0.0.1 at the moment of the call (bound to port 0, then released),
    /// for the worker's observability server.
    /// - Throws: ``DemoError/workerDidNotStart(_:_:)`` when no socket can be bound.
    public static func freeLoopbackPort() throws(DemoError) -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .workerDidNotStart("newsclf-worker", "socket(): errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw .workerDidNotStart("newsclf-worker", "cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
