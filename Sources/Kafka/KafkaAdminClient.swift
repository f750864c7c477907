import CRdKafka
import Logging

/// Cluster administration: topic creation and metadata. Blocking requests run on a dedicated
/// thread.
public final class KafkaAdminClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: KafkaAdminConfiguration
    private let client: RdKafkaClient
    private let executor: BlockingExecutor

    /// - Parameters:
    ///   - configuration: connection settings.
    ///   - logger: receives librdkafka's log lines.
    /// - Throws: ``KafkaError`` with ``KafkaError/Code/invalidArgument`` naming a rejected
    ///   property.
    public init(
        configuration: KafkaAdminConfiguration,
        logger: Logger = Logger(label: "newsclf.kafka.admin")
    ) throws(KafkaError) {
        var properties = configuration.librdkafkaProperties
        // Looking at metadata must not create topics as a side effect.
        properties["allow.auto.create.topics"] = properties["allow.auto.create.topics"] ?? "false"
        self.client = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER, properties: properties,
            context: RdKafkaCallbackContext(logger: logger), operation: "create admin client")
        self.configuration = configuration
        self.executor = BlockingExecutor(name: "\(client.name) admin")
    }

    deinit {
        let client = self.client
        executor.execute { _ = client }
        executor.shutDown()
    }

    /// Creates topics; a topic that already exists is not an error.
    ///
    /// The cluster's metadata is read first and only absent topics are asked for, so that
    /// naming existing topics works on a cluster without the CreateTopics API too (librdkafka's
    /// mock cluster, whose CreateTopics requests time out).
    ///
    /// - Parameters:
    ///   - topics: the topics to create.
    ///   - timeout: how long the controller may take (also bounds the wait here).
    /// - Returns: per topic, in input order, whether it was created or existed already.
    /// - Throws: ``KafkaError`` naming the first topic that failed for another reason (e.g.
    ///   ``KafkaError/Code/invalidReplicationFactor`` with more replicas than brokers,
    ///   ``KafkaError/Code/invalidPartitions``), or the request's error (e.g.
    ///   ``KafkaError/Code/timedOut``); ``KafkaError/Code/invalidArgument`` for a spec librdkafka
    ///   rejects locally (a partition count or replication factor below -1).
    public func createTopics(
        _ topics: [KafkaNewTopic], timeout: Duration
    ) async throws(KafkaError) -> [KafkaTopicCreation] {
        guard !topics.isEmpty else { return [] }
        // Specs librdkafka rejects fail here, before any request.
        Self.destroy(try Self.specs(for: topics))
        let existing = Set(try await metadata(topics: topics.map(\.name), timeout: timeout).map(\.name))
        let absent = topics.filter { !existing.contains($0.name) }
        let client = self.client
        let created = absent.isEmpty
            ? []
            : try await executor.run("create topics") { () throws(KafkaError) in
                try Self.createTopics(absent, timeout: timeout, handle: client.handle)
            }
        var outcomes = Dictionary(created.map { ($0.topic, $0) }) { first, _ in first }
        for name in existing { outcomes[name] = .alreadyExists(name) }
        return topics.compactMap { outcomes[$0.name] }
    }

    /// librdkafka's `rd_kafka_NewTopic_t` for each topic; the caller destroys them.
    /// - Throws: ``KafkaError/Code/invalidArgument`` for a spec librdkafka rejects, or its code
    ///   for a rejected topic setting, naming the topic.
    private static func specs(for topics: [KafkaNewTopic]) throws(KafkaError) -> [OpaquePointer?] {
        var specs: [OpaquePointer?] = []
        for topic in topics {
            let (spec, message) = CErrorBuffer.call {
                rd_kafka_NewTopic_new(
                    topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), $0, $1)
            }
            guard let spec else {
                destroy(specs)
                throw KafkaError(
                    code: .invalidArgument, message: message, operation: "create topics",
                    topic: topic.name, isRetriable: false)
            }
            specs.append(spec)
            for (name, value) in topic.configuration.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(spec, name, value)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    destroy(specs)
                    throw KafkaError(
                        err, operation: "create topics", topic: topic.name,
                        message: "topic setting \"\(name)\" rejected")
                }
            }
        }
        return specs
    }

    private static func destroy(_ specs: [OpaquePointer?]) {
        for spec in specs { rd_kafka_NewTopic_destroy(spec) }
    }

    private static func createTopics(
        _ topics: [KafkaNewTopic], timeout: Duration, handle: OpaquePointer
    ) throws(KafkaError) -> [KafkaTopicCreation] {
        let operation = "create topics"
        var specs = try Self.specs(for: topics)
        defer { Self.destroy(specs) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        let milliseconds = timeout.clampedMilliseconds
        _ = CErrorBuffer.call {
            rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, $0, $1)
        }
        _ = CErrorBuffer.call {
            rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, $0, $1)
        }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        specs.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        // The admin request enforces the timeout itself; wait a little longer for its answer.
        guard let event = rd_kafka_queue_poll(queue, milliseconds &+ 5000) else {
            throw KafkaError(code: .timedOut, operation: operation)
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                err, operation: operation,
                message: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(
                code: .fail, message: "no CreateTopics result in the answer", operation: operation)
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else {
            throw KafkaError(
                code: .fail, message: "no topic results in the answer", operation: operation)
        }
        var outcome: [String: KafkaTopicCreation] = [:]
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let code = rd_kafka_topic_result_error(topicResult)
            switch code {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                outcome[name] = .created(name)
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
                outcome[name] = .alreadyExists(name)
            default:
                throw KafkaError(
                    code, operation: operation, topic: name,
                    message: rd_kafka_topic_result_error_string(topicResult).map {
                        String(cString: $0)
                    })
            }
        }
        return try topics.map { topic throws(KafkaError) in
            guard let result = outcome[topic.name] else {
                throw KafkaError(
                    code: .fail, message: "the answer did not mention the topic",
                    operation: operation, topic: topic.name)
            }
            return result
        }
    }

    /// Describes topics as the cluster's metadata reports them.
    ///
    /// - Parameters:
    ///   - topics: the topic names to describe; `nil` for all topics.
    ///   - timeout: how long to wait for a broker.
    /// - Returns: the topics found, sorted by name; a requested topic that does not exist is
    ///   absent.
    /// - Throws: ``KafkaError`` (e.g. ``KafkaError/Code/timedOut``, ``KafkaError/Code/transport``).
    public func metadata(
        topics: [String]? = nil, timeout: Duration
    ) async throws(KafkaError) -> [KafkaTopicMetadata] {
        let client = self.client
        return try await executor.run("metadata") { () throws(KafkaError) in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client.handle, 1, nil, &metadata, timeout.clampedMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError(err, operation: "metadata")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            let wanted = topics.map(Set.init)
            var result: [KafkaTopicMetadata] = []
            let rawTopics = UnsafeBufferPointer(
                start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
            for rawTopic in rawTopics {
                let name = String(cString: rawTopic.topic)
                if let wanted, !wanted.contains(name) { continue }
                if rawTopic.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { continue }
                let partitions = UnsafeBufferPointer(
                    start: rawTopic.partitions, count: Int(rawTopic.partition_cnt)
                ).map { partition in
                    KafkaTopicMetadata.Partition(
                        id: partition.id, leader: partition.leader,
                        replicas: Array(
                            UnsafeBufferPointer(
                                start: partition.replicas, count: Int(partition.replica_cnt))),
                        inSyncReplicas: Array(
                            UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt))))
                }
                result.append(
                    KafkaTopicMetadata(
                        name: name, partitions: partitions.sorted { $0.id < $1.id },
                        error: rawTopic.err == RD_KAFKA_RESP_ERR_NO_ERROR
                            ? nil : KafkaError(rawTopic.err, operation: "metadata", topic: name)))
            }
            return result.sorted { $0.name < $1.name }
        }
    }
}
