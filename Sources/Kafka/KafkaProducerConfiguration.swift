/// Settings of a ``KafkaProducer``: the common ones as typed properties with documented
/// defaults, anything else as raw librdkafka properties in ``properties``.
///
/// Names follow librdkafka's `CONFIGURATION.md`. The defaults are librdkafka's except where
/// marked **differs**.
public struct KafkaProducerConfiguration: Sendable {
    /// `bootstrap.servers`: initial brokers as `host:port`.
    public var bootstrapServers: [String]
    /// `client.id`. Default: `nil` (librdkafka's `rdkafka`).
    public var clientID: String?
    /// `enable.idempotence`: no duplicates and no reordering from producer retries; implies
    /// `acks=all`. Default: `true` (**differs**: librdkafka's is `false`).
    public var isIdempotenceEnabled: Bool = true
    /// `transactional.id`: makes the producer transactional (and idempotent). It must be stable
    /// across restarts of the same logical producer, so that a restart fences its predecessor.
    /// Default: `nil` (not transactional).
    public var transactionalID: String?
    /// `transaction.timeout.ms`: the broker aborts a transaction left open this long.
    /// Default: 60 s.
    public var transactionTimeout: Duration = .seconds(60)
    /// `acks`: how many replicas must have the message before it counts as delivered.
    /// Default: ``Acknowledgements/all`` (required by idempotence).
    public var acks: Acknowledgements = .all
    /// `linger.ms`: how long to wait for more messages to fill a batch. Default: 5 ms.
    public var linger: Duration = .milliseconds(5)
    /// `message.timeout.ms`: a message not acknowledged within this time fails with
    /// ``KafkaError/Code/messageTimedOut`` (it may still have been written). Default: `nil`,
    /// librdkafka's choice: 300 s, or ``transactionTimeout`` for a transactional producer (it
    /// must not exceed it).
    public var messageTimeout: Duration?
    /// `compression.codec`. Default: ``Compression/none``.
    public var compression: Compression = .none
    /// Raw librdkafka properties (`CONFIGURATION.md`), e.g. `security.protocol`,
    /// `sasl.username`, `message.max.bytes`. Applied after the typed properties; they win.
    /// Print them with ``KafkaRedaction/redacted(_:)``.
    public var properties: [String: String] = [:]

    /// - Parameter bootstrapServers: initial brokers, `host:port` each.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The complete librdkafka property set this configuration stands for. Contains secrets when
    /// ``properties`` does: print it only through ``KafkaRedaction/redacted(_:)``.
    public var librdkafkaProperties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "enable.idempotence": String(isIdempotenceEnabled),
            "transaction.timeout.ms": String(transactionTimeout.clampedMilliseconds),
            "acks": acks.rawValue,
            "linger.ms": String(linger.clampedMilliseconds),
            "compression.codec": compression.rawValue,
        ]
        if let clientID { result["client.id"] = clientID }
        if let transactionalID { result["transactional.id"] = transactionalID }
        if let messageTimeout {
            result["message.timeout.ms"] = String(messageTimeout.clampedMilliseconds)
        }
        result.merge(properties) { _, raw in raw }
        return result
    }

    /// `acks` values.
    public enum Acknowledgements: String, Sendable, Hashable, CaseIterable {
        /// Every in-sync replica (`-1`).
        case all = "all"
        /// The partition leader only (`1`).
        case leader = "1"
        /// No acknowledgement (`0`); delivery reports then say nothing about durability.
        case none = "0"
    }

    /// `compression.codec` values.
    public enum Compression: String, Sendable, Hashable, CaseIterable {
        case none, gzip, snappy, lz4, zstd
    }
}
