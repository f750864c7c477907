import CRdKafka
import Foundation
import Logging
import Synchronization

/// librdkafka's in-process mock Kafka cluster (`rdkafka_mock.h`): brokers on 127.0.0.1 with
/// random ports, reachable over TCP by any client in or out of this process, with fault
/// injection.
///
/// It models produce, fetch, consumer groups (eager and cooperative) and offset commits; it does
/// **not** model exactly-once (transactional offsets are dropped, aborted records stay visible,
/// no fencing), has no CreateTopics API, and keeps at most 5 MiB per partition (see
/// `KAFKA-TESTING.md`). Broker ids are `1...brokerCount`.
public final class KafkaMockCluster: Sendable {
    /// The brokers' addresses, `host:port,host:port,…`, for `bootstrap.servers`.
    public let bootstrapServers: String
    /// The number of brokers.
    public let brokerCount: Int

    /// librdkafka properties for consumers of a mock cluster (a producer given them ignores them
    /// with a configuration warning):
    /// `fetch.wait.max.ms=10`, because the mock answers a Fetch that finds no new data only when
    /// this wait runs out (a real broker answers as soon as data arrives; librdkafka's default
    /// of 500 ms would add up to half a second per hop), and `session.timeout.ms=3000` with
    /// `heartbeat.interval.ms=300`, because the mock waits out session timeouts on group changes
    /// (librdkafka's defaults: 45 s and 3 s). Used by the demo's embedded broker, the worker
    /// benchmark and the worker tests.
    public static let recommendedConsumerProperties: [String: String] = [
        "fetch.wait.max.ms": "10", "session.timeout.ms": "3000", "heartbeat.interval.ms": "300",
    ]

    /// The cluster, or `nil` after ``stop()``. The owning handle must outlive it.
    private let cluster: Mutex<ClusterPointer?>
    private let client: RdKafkaClient

    /// Starts `brokerCount` brokers owned by a dedicated producer handle.
    ///
    /// - Parameters:
    ///   - brokerCount: number of brokers, at least 1.
    ///   - logger: receives the owning handle's librdkafka log lines.
    /// - Throws: ``KafkaError/Code/invalidArgument`` for `brokerCount < 1`, ``KafkaError/Code/fail``
    ///   when librdkafka cannot start the cluster.
    public init(
        brokerCount: Int = 3, logger: Logger = Logger(label: "newsclf.kafka.mock")
    ) throws(KafkaError) {
        guard brokerCount >= 1, brokerCount <= 64 else {
            throw KafkaError(
                code: .invalidArgument, message: "brokerCount must be 1...64, got \(brokerCount)",
                operation: "start mock cluster")
        }
        let client = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER, properties: [:],
            context: RdKafkaCallbackContext(logger: logger), operation: "start mock cluster")
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokerCount)) else {
            throw KafkaError(
                code: .fail, message: "rd_kafka_mock_cluster_new failed",
                operation: "start mock cluster")
        }
        self.client = client
        self.cluster = Mutex(ClusterPointer(pointer: cluster))
        self.brokerCount = brokerCount
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        // rd_kafka_mock_cluster_destroy waits up to a second for the mock's I/O thread; let a
        // background thread wait instead of the thread that dropped the last reference.
        let cluster = Self.take(cluster)
        let client = self.client
        Thread {
            if let cluster { rd_kafka_mock_cluster_destroy(cluster.pointer) }
            withExtendedLifetime(client) {}
        }.start()
    }

    /// Stops every broker and waits until they are gone (up to about a second); clients
    /// connected to it see their connections fail. Calling it again does nothing; other methods
    /// then throw ``KafkaError/Code/destroy``.
    public func stop() {
        if let cluster = Self.take(cluster) { rd_kafka_mock_cluster_destroy(cluster.pointer) }
    }

    /// The cluster, leaving `nil` behind (so it is destroyed once).
    private static func take(_ cluster: borrowing Mutex<ClusterPointer?>) -> ClusterPointer? {
        cluster.withLock { cluster in
            defer { cluster = nil }
            return cluster
        }
    }

    /// The mock cluster's handle. `@unchecked Sendable`: librdkafka's mock API may be called from
    /// any thread; the `Mutex` around it keeps `stop` from destroying it during a call.
    private struct ClusterPointer: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Creates a topic (the mock's own API; Kafka's CreateTopics request is not modelled).
    ///
    /// - Throws: ``KafkaError`` naming the topic (e.g. ``KafkaError/Code/topicAlreadyExists``).
    public func createTopic(
        _ name: String, partitions: Int32, replicationFactor: Int32 = 1
    ) throws(KafkaError) {
        try call("create topic", topic: name) {
            rd_kafka_mock_topic_create($0, name, partitions, replicationFactor)
        }
    }

    /// Makes a broker unreachable: its connections close and new ones are refused.
    public func setBrokerDown(_ brokerID: Int32) throws(KafkaError) {
        try call("set broker down") { rd_kafka_mock_broker_set_down($0, brokerID) }
    }

    /// Makes a broker reachable again.
    public func setBrokerUp(_ brokerID: Int32) throws(KafkaError) {
        try call("set broker up") { rd_kafka_mock_broker_set_up($0, brokerID) }
    }

    /// Delays every response of a broker by `roundTripTime`.
    public func setRoundTripTime(_ roundTripTime: Duration, broker brokerID: Int32) throws(KafkaError) {
        try call("set round-trip time") {
            rd_kafka_mock_broker_set_rtt($0, brokerID, roundTripTime.clampedMilliseconds)
        }
    }

    /// Makes a broker the leader of a partition.
    public func setPartitionLeader(
        topic: String, partition: Int32, broker brokerID: Int32
    ) throws(KafkaError) {
        try call("set partition leader", topic: topic) {
            rd_kafka_mock_partition_set_leader($0, topic, partition, brokerID)
        }
    }

    /// Makes a broker the group coordinator of `groupID`.
    public func setGroupCoordinator(groupID: String, broker brokerID: Int32) throws(KafkaError) {
        try call("set group coordinator") {
            rd_kafka_mock_coordinator_set($0, "group", groupID, brokerID)
        }
    }

    /// Makes a broker the transaction coordinator of `transactionalID`.
    public func setTransactionCoordinator(
        transactionalID: String, broker brokerID: Int32
    ) throws(KafkaError) {
        try call("set transaction coordinator") {
            rd_kafka_mock_coordinator_set($0, "transaction", transactionalID, brokerID)
        }
    }

    /// Makes the next `errors.count` requests of type `api` (to any broker) fail with `errors`,
    /// in order. ``KafkaError/Code/transport`` makes the broker drop the connection instead.
    public func pushRequestErrors(_ errors: [KafkaError.Code], for api: KafkaAPIKey) throws(KafkaError) {
        let codes = errors.map(\.rdKafkaValue)
        try withCluster("push request errors") { cluster in
            codes.withUnsafeBufferPointer { buffer in
                rd_kafka_mock_push_request_errors_array(
                    cluster, api.rawValue, buffer.count, buffer.baseAddress)
            }
        }
    }

    /// Drops the not yet used errors pushed for `api`.
    public func clearRequestErrors(for api: KafkaAPIKey) throws(KafkaError) {
        try withCluster("clear request errors") { rd_kafka_mock_clear_request_errors($0, api.rawValue) }
    }

    /// Makes metadata requests report `code` for `topic` (``KafkaError/Code/noError`` to clear).
    public func setTopicError(_ code: KafkaError.Code, topic: String) throws(KafkaError) {
        try withCluster("set topic error") {
            rd_kafka_mock_topic_set_error($0, topic, code.rdKafkaValue)
        }
    }

    private func call(
        _ operation: String, topic: String? = nil,
        _ body: (OpaquePointer) -> rd_kafka_resp_err_t
    ) throws(KafkaError) {
        let err = try withCluster(operation, body)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: operation, topic: topic)
        }
    }

    /// Runs `body` with the cluster while holding the lock, so that `stop` cannot destroy it
    /// meanwhile.
    private func withCluster<T: Sendable>(
        _ operation: String, _ body: (OpaquePointer) -> T
    ) throws(KafkaError) -> T {
        let result: T? = cluster.withLock { cluster in cluster.map { body($0.pointer) } }
        guard let result else {
            throw KafkaError(
                code: .destroy, message: "the mock cluster is stopped", operation: operation)
        }
        return result
    }
}
