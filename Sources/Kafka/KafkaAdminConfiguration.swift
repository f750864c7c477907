/// Settings of a ``KafkaAdminClient``.
public struct KafkaAdminConfiguration: Sendable {
    /// `bootstrap.servers`: initial brokers as `host:port`.
    public var bootstrapServers: [String]
    /// `client.id`. Default: `nil` (librdkafka's `rdkafka`).
    public var clientID: String?
    /// Raw librdkafka properties (security settings and the like); applied last.
    public var properties: [String: String] = [:]

    /// - Parameter bootstrapServers: initial brokers, `host:port` each.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The complete librdkafka property set this configuration stands for.
    public var librdkafkaProperties: [String: String] {
        var result = ["bootstrap.servers": bootstrapServers.joined(separator: ",")]
        if let clientID { result["client.id"] = clientID }
        result.merge(properties) { _, raw in raw }
        return result
    }
}
