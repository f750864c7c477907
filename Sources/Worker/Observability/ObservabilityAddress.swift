/// Where the observability HTTP server listens: a numeric IP address and a TCP port.
///
/// Parsed from the worker's `metrics_address` setting (`host:port`): `127.0.0.1:9464`,
/// `0.0.0.0:9464`, `[::1]:9464`, `localhost:9464` (= `127.0.0.1`), or `:9464` (= `127.0.0.1`,
/// the safe default: metrics and health stay on the host unless an operator opens them).
/// Port 0 asks the kernel for a free port (tests); ``ObservabilityServer/start()`` reports the
/// port it got.
public struct ObservabilityAddress: Sendable, Hashable, CustomStringConvertible {
    /// The IP address family.
    public enum Family: Sendable, Hashable {
        case ipv4
        case ipv6
    }

    /// The numeric host, without brackets (`127.0.0.1`, `::1`).
    public var host: String
    /// The TCP port, 0 for any free port.
    public var port: UInt16
    /// Which family ``host`` belongs to.
    public var family: Family { host.contains(":") ? .ipv6 : .ipv4 }

    /// The worker's default `metrics_address`: `127.0.0.1:9464` (9464 is the port OpenTelemetry's
    /// Prometheus exporter uses by default; loopback keeps metrics and health on the host).
    public static let `default` = ObservabilityAddress(host: "127.0.0.1", port: 9464)

    /// - Parameters:
    ///   - host: a numeric IPv4 or IPv6 address, without brackets.
    ///   - port: the TCP port, 0 for any free port.
    public init(host: String = "127.0.0.1", port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 hosts in brackets, an empty host or `localhost` meaning
    /// `127.0.0.1`).
    ///
    /// - Throws: ``ObservabilityServerError/invalidAddress(_:reason:)`` when the text has no port,
    ///   a port outside 0...65535, or a host that is neither a numeric IP address nor `localhost`.
    public init(parsing text: String) throws(ObservabilityServerError) {
        let trimmed = text.trimmingSpaces()
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw .invalidAddress(text, reason: "expected host:port")
        }
        var host = String(trimmed[..<colon])
        let portText = trimmed[trimmed.index(after: colon)...]
        guard let port = UInt16(portText) else {
            throw .invalidAddress(text, reason: "port must be a number in 0...65535")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard Self.isIPv6(host) else { throw .invalidAddress(text, reason: "not an IPv6 address in brackets") }
        } else if host.isEmpty || host == "localhost" {
            host = "127.0.0.1"
        } else {
            guard Self.isIPv4(host) else {
                throw .invalidAddress(text, reason: "host must be a numeric IP address or localhost (IPv6 in brackets)")
            }
        }
        self.init(host: host, port: port)
    }

    /// `host:port`, IPv6 hosts in brackets.
    public var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Dotted quad, four decimal octets 0...255.
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255
        }
    }

    /// Hex groups and colons (with an optional trailing dotted quad); the socket layer does the
    /// final check.
    static func isIPv6(_ text: String) -> Bool {
        text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        var slice = self[...]
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return slice
    }
}
