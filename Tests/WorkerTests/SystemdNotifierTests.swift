import Foundation
import Glibc
import Testing
import Worker

/// Receives the notifier's datagrams on a real `AF_UNIX` socket, as systemd would.
@Suite struct SystemdNotifierTests {
    final class Listener {
        let fd: Int32
        let path: String

        init() throws {
            path = NSTemporaryDirectory() + "newsclf-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard result == 0 else { throw POSIXError(.EADDRINUSE) }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
        }

        deinit {
            close(fd)
            unlink(path)
        }
    }

    @Test func sendsStateChangesInOrder() throws {
        let listener = try Listener()
        let notifier = SystemdNotifier(socketPath: listener.path)
        try notifier.ready(status: "serving")
        try notifier.watchdog()
        try notifier.reloading()
        try notifier.stopping()
        #expect(listener.receive() == "READY=1\nSTATUS=serving")
        #expect(listener.receive() == "WATCHDOG=1")
        let reloading = listener.receive() ?? ""
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(UInt64(reloading.split(separator: "=").last ?? "") ?? 0 > 0)
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func isANoOpWithoutASocket() throws {
        let notifier = SystemdNotifier(socketPath: nil)
        if getenv("NOTIFY_SOCKET") == nil { #expect(!notifier.isEnabled) }
        try SystemdNotifier(socketPath: nil).ready()
    }

    @Test func unreachableSocketIsAnError() {
        let notifier = SystemdNotifier(socketPath: "/nonexistent/dir/notify.sock")
        #expect(throws: SystemdNotifierError.self) { try notifier.ready() }
    }
}
