import Testing
import Worker

@Suite struct ObservabilityAddressTests {
    @Test func parsesIPv4HostAndPort() throws {
        let address = try ObservabilityAddress(parsing: "0.0.0.0:9464")
        #expect(address == ObservabilityAddress(host: "0.0.0.0", port: 9464))
        #expect(address.family == .ipv4)
        #expect(address.description == "0.0.0.0:9464")
    }

    @Test func parsesBracketedIPv6() throws {
        let address = try ObservabilityAddress(parsing: "[::1]:9100")
        #expect(address == ObservabilityAddress(host: "::1", port: 9100))
        #expect(address.family == .ipv6)
        #expect(address.description == "[::1]:9100")
    }

    @Test func emptyHostAndLocalhostMeanIPv4Loopback() throws {
        #expect(try ObservabilityAddress(parsing: ":9464") == .default)
        #expect(try ObservabilityAddress(parsing: "localhost:9464") == .default)
        #expect(try ObservabilityAddress(parsing: " 127.0.0.1:9464\n") == .default)
    }

    @Test func refusesAMissingPort() {
        #expect(throws: ObservabilityServerError.invalidAddress("127.0.0.1", reason: "expected host:port")) {
            try ObservabilityAddress(parsing: "127.0.0.1")
        }
    }

    @Test func refusesAPortOutOfRange() {
        #expect(throws: ObservabilityServerError.self) { try ObservabilityAddress(parsing: "127.0.0.1:65536") }
        #expect(throws: ObservabilityServerError.self) { try ObservabilityAddress(parsing: "127.0.0.1:-1") }
        #expect(throws: ObservabilityServerError.self) { try ObservabilityAddress(parsing: "127.0.0.1:") }
    }

    @Test func refusesAHostName() {
        #expect(throws: ObservabilityServerError.self) { try ObservabilityAddress(parsing: "metrics.example:9464") }
    }

    @Test func refusesAnOutOfRangeOctet() {
        #expect(throws: ObservabilityServerError.self) { try ObservabilityAddress(parsing: "127.0.0.256:9464") }
    }

    @Test func refusesUnbracketedIPv6() {
        #expect(throws: ObservabilityServerError.self) { try ObservabilityAddress(parsing: "::1:9464") }
    }

    @Test func errorNamesTheText() {
        let error = ObservabilityServerError.invalidAddress("metrics.example:9464", reason: "host must be numeric")
        #expect(error.description.contains("metrics.example:9464"))
    }
}
