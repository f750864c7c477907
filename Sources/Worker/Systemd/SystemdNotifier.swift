#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends service-state notifications to systemd over `$NOTIFY_SOCKET` (the `sd_notify(3)`
/// datagram protocol, implemented here without libsystemd).
///
/// Protocol (systemd's `sd_notify(3)`): one `AF_UNIX` `SOCK_DGRAM` datagram per notification,
/// newline-separated `KEY=VALUE` assignments, sent to the path in `NOTIFY_SOCKET` (a leading `@`
/// means the Linux abstract namespace). Used by a `Type=notify` unit: `READY=1` once serving,
/// `RELOADING=1` + `MONOTONIC_USEC=…` when a reload starts, `STOPPING=1` on drain,
/// `WATCHDOG=1` as the keep-alive for `WatchdogSec=`, `STATUS=…` free text.
///
/// When `NOTIFY_SOCKET` is unset (not started by systemd) every call is a no-op.
public struct SystemdNotifier: Sendable {
    /// The socket path from the environment, or `nil` when not running under systemd.
    public let socketPath: String?

    /// - Parameter socketPath: defaults to `$NOTIFY_SOCKET`.
    public init(socketPath: String? = nil) {
        if let socketPath {
            self.socketPath = socketPath
        } else if let raw = getenv("NOTIFY_SOCKET") {
            let value = String(cString: raw)
            self.socketPath = value.isEmpty ? nil : value
        } else {
            self.socketPath = nil
        }
    }

    /// Whether notifications go anywhere.
    public var isEnabled: Bool { socketPath != nil }

    /// The watchdog interval systemd expects keep-alives within (`$WATCHDOG_USEC`, honoured only
    /// when `$WATCHDOG_PID` is unset or ours), or `nil`. Send `WATCHDOG=1` at half this interval.
    public static func watchdogInterval() -> Duration? {
        guard let raw = getenv("WATCHDOG_USEC"), let usec = UInt64(String(cString: raw)), usec > 0 else { return nil }
        if let pidRaw = getenv("WATCHDOG_PID"), let pid = Int32(String(cString: pidRaw)), pid != getpid() { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// Sends `READY=1` (with an optional status line).
    public func ready(status: String? = nil) throws(SystemdNotifierError) {
        try send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    /// Sends `RELOADING=1` with the `MONOTONIC_USEC` systemd requires for `Type=notify-reload`.
    public func reloading() throws(SystemdNotifierError) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        try send(["RELOADING=1", "MONOTONIC_USEC=\(usec)"])
    }

    /// Sends `STOPPING=1`.
    public func stopping() throws(SystemdNotifierError) { try send(["STOPPING=1"]) }

    /// Sends the watchdog keep-alive `WATCHDOG=1`.
    public func watchdog() throws(SystemdNotifierError) { try send(["WATCHDOG=1"]) }

    /// Sends a free-text `STATUS=` line (shown by `systemctl status`).
    public func status(_ text: String) throws(SystemdNotifierError) { try send(["STATUS=\(text)"]) }

    /// Sends raw assignments, one datagram.
    /// - Throws: ``SystemdNotifierError`` when the socket cannot be reached.
    public func send(_ assignments: [String]) throws(SystemdNotifierError) {
        guard let socketPath else { return }
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw SystemdNotifierError(socketPath: socketPath, operation: "address", errno: ENAMETOOLONG) }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        #if canImport(Darwin)
        let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #else
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard fd >= 0 else { throw SystemdNotifierError(socketPath: socketPath, operation: "socket", errno: errno) }
        defer { close(fd) }
        let payload = Array(assignments.joined(separator: "\n").utf8)
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1))
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sockaddrPointer, length) }
            }
        }
        guard sent == payload.count else { throw SystemdNotifierError(socketPath: socketPath, operation: "sendto", errno: errno) }
    }
}

/// A notification could not be delivered to systemd's socket.
public struct SystemdNotifierError: Error, Sendable, CustomStringConvertible {
    public var socketPath: String
    public var operation: String
    public var errno: Int32

    public var description: String {
        "cannot notify systemd at \(socketPath): \(operation) failed: \(String(cString: strerror(errno)))"
    }
}
