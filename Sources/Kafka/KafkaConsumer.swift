import CRdKafka
import Logging
import Synchronization

/// A member of a Kafka consumer group: reads batches of messages from the partitions the group
/// assigns it, and stores or commits the offsets the application has finished.
///
/// Use it like this (the worker's loop, at-least-once):
///
/// ```swift
/// let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
/// try consumer.subscribe(topics: ["news.raw"])
/// while running {
///     let batch = try await consumer.poll(maxMessages: 256, timeout: .milliseconds(100))
///     // handle batch.events (assignments, revocations, errors)
///     // process batch.messages, produce outputs, wait for their delivery reports, then:
///     try consumer.storeOffsets(KafkaTopicPartitionOffset.nextOffsets(after: batch.messages))
///     // (auto-commit sends stored offsets every 5 s; or `try await consumer.commit(...)`)
/// }
/// try await consumer.close()
/// ```
///
/// **Rebalances.** Assignments and revocations arrive as ``KafkaConsumerEvent``s in the batch.
/// A revocation ends its batch and the revoked partitions stay assigned until the next
/// ``poll(maxMessages:timeout:)`` or ``close()``: finish and commit the in-flight work of those
/// partitions before polling again. Both the eager and the cooperative-sticky protocol are
/// handled (whole or incremental assignment).
///
/// **Threads.** Polling (which serves librdkafka's callbacks) runs on a dedicated thread, and
/// blocking queries and synchronous commits on a second one; the async methods suspend the
/// caller without occupying a thread of the Swift concurrency pool. The synchronous methods
/// (subscribe, store offsets, pause, assignment, …) wait at most for a reply from librdkafka's
/// internal thread, never for the network. All methods may be called from any task.
public final class KafkaConsumer: Sendable {
    /// The configuration the consumer was created with.
    public let configuration: KafkaConsumerConfiguration
    private let client: RdKafkaClient
    private let context: ConsumerCallbackContext
    private let pollExecutor: BlockingExecutor
    private let controlExecutor: BlockingExecutor
    private let isClosed = Mutex(false)

    /// Creates the consumer; it joins the group on ``subscribe(topics:)``.
    ///
    /// - Parameters:
    ///   - configuration: connection, group and offset settings.
    ///   - logger: receives librdkafka's log lines and rebalance notes (`info` and below,
    ///     librdkafka's own warnings and errors at their level).
    /// - Throws: ``KafkaError`` with ``KafkaError/Code/invalidArgument`` naming a rejected
    ///   property.
    public init(
        configuration: KafkaConsumerConfiguration,
        logger: Logger = Logger(label: "newsclf.kafka.consumer")
    ) throws(KafkaError) {
        let context = ConsumerCallbackContext(logger: logger)
        let client = try RdKafkaClient(
            type: RD_KAFKA_CONSUMER, properties: configuration.librdkafkaProperties,
            context: context, operation: "create consumer"
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { handle, code, partitions, opaque in
                guard let handle, let opaque else { return }
                let context = Unmanaged<RdKafkaCallbackContext>.fromOpaque(opaque)
                    .takeUnretainedValue()
                (context as? ConsumerCallbackContext)?.rebalance(
                    handle: handle, code: code, partitions: partitions)
            }
            rd_kafka_conf_set_offset_commit_cb(conf) { _, code, offsets, opaque in
                guard let opaque else { return }
                let context = Unmanaged<RdKafkaCallbackContext>.fromOpaque(opaque)
                    .takeUnretainedValue()
                (context as? ConsumerCallbackContext)?.offsetsCommitted(
                    code: code, offsets: offsets)
            }
        }
        // Serve the main queue (errors, logs, commit results) from the consumer queue, so one
        // rd_kafka_consumer_poll call serves everything.
        rd_kafka_poll_set_consumer(client.handle)
        self.configuration = configuration
        self.client = client
        self.context = context
        let name = client.name
        self.pollExecutor = BlockingExecutor(name: "\(name) poll")
        self.controlExecutor = BlockingExecutor(name: "\(name) control")
    }

    deinit {
        // Destroying a consumer that was not closed runs rd_kafka_consumer_close, which blocks:
        // do it on the poll thread, not on whatever thread releases the last reference.
        context.beginClosing()
        let client = self.client
        pollExecutor.execute { _ = client }
        pollExecutor.shutDown()
        controlExecutor.shutDown()
    }

    /// Subscribes to `topics` (replacing any earlier subscription); the group assigns
    /// partitions during the following polls.
    ///
    /// - Parameter topics: topic names; a name starting with `^` is a regular expression.
    /// - Throws: ``KafkaError`` when librdkafka rejects the subscription.
    public func subscribe(topics: [String]) throws(KafkaError) {
        try checkOpen("subscribe")
        let list = RdKafkaTopicPartitionList(
            topics.map { KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        let err = rd_kafka_subscribe(client.handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "subscribe", topic: topics.joined(separator: ","))
        }
    }

    /// Reads up to `maxMessages` messages, waiting at most `timeout`.
    ///
    /// Returns when `maxMessages` messages were read, when `timeout` has passed since the call
    /// (with what was read, possibly nothing), or right after a revocation. A pending
    /// revocation from the previous batch is released first. Messages of one partition come in
    /// offset order.
    ///
    /// - Parameters:
    ///   - maxMessages: the batch size limit, at least 1.
    ///   - timeout: the longest time to wait; `.zero` returns what is available now.
    /// - Returns: the messages and the events that happened meanwhile.
    /// - Throws: ``KafkaError`` with ``KafkaError/isFatal`` when the consumer hit a fatal error,
    ///   ``KafkaError/Code/invalidArgument`` for `maxMessages < 1`, ``KafkaError/Code/destroy``
    ///   after ``close()``. Non-fatal errors are reported as ``KafkaConsumerEvent/error(_:)``.
    public func poll(maxMessages: Int, timeout: Duration) async throws(KafkaError)
        -> KafkaConsumerBatch
    {
        guard maxMessages >= 1 else {
            throw KafkaError(
                code: .invalidArgument, message: "maxMessages must be at least 1, got \(maxMessages)",
                operation: "poll")
        }
        try checkOpen("poll")
        let client = self.client
        let context = self.context
        return try await pollExecutor.run("poll") { () throws(KafkaError) in
            try Self.pollBatch(
                client: client, context: context, maxMessages: maxMessages, timeout: timeout)
        }
    }

    private static func pollBatch(
        client: RdKafkaClient, context: ConsumerCallbackContext, maxMessages: Int,
        timeout: Duration
    ) throws(KafkaError) -> KafkaConsumerBatch {
        let handle = client.handle
        context.releasePendingRevocation(handle: handle)
        var batch = KafkaConsumerBatch()
        batch.messages.reserveCapacity(min(maxMessages, 4096))
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let remaining = clock.now.duration(to: deadline)
            // Round up, so that a sub-millisecond remainder still waits instead of spinning.
            let milliseconds =
                remaining <= .zero ? 0 : (remaining + .nanoseconds(999_999)).clampedMilliseconds
            let raw = rd_kafka_consumer_poll(handle, milliseconds)
            batch.events += context.takeEvents()
            if let raw {
                defer { rd_kafka_message_destroy(raw) }
                try Self.accept(raw, into: &batch, handle: handle)
            }
            if batch.messages.count >= maxMessages || context.hasPendingRevocation
                || clock.now >= deadline
            {
                break
            }
        }
        return batch
    }

    /// Adds a polled message (or the error it carries) to `batch`.
    private static func accept(
        _ raw: UnsafeMutablePointer<rd_kafka_message_t>, into batch: inout KafkaConsumerBatch,
        handle: OpaquePointer
    ) throws(KafkaError) {
        let message = raw.pointee
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) }
        switch message.err {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            batch.messages.append(Self.decode(raw, topic: topic ?? ""))
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            batch.events.append(
                .partitionEOF(
                    KafkaTopicPartitionOffset(
                        topic: topic ?? "", partition: message.partition, offset: message.offset)))
        case RD_KAFKA_RESP_ERR__FATAL:
            throw KafkaError.fatalError(of: handle, operation: "poll")
                ?? KafkaError(message.err, operation: "poll")
        default:
            batch.events.append(
                .error(
                    KafkaError(
                        message.err, operation: "consume", topic: topic,
                        partition: message.partition >= 0 ? message.partition : nil,
                        message: rd_kafka_message_errstr(raw).map { String(cString: $0) })))
        }
    }

    /// Copies a librdkafka message into a ``KafkaConsumerMessage``.
    static func decode(
        _ raw: UnsafeMutablePointer<rd_kafka_message_t>, topic: String
    ) -> KafkaConsumerMessage {
        let message = raw.pointee
        let value = message.payload.map {
            Array(UnsafeRawBufferPointer(start: $0, count: message.len))
        }
        let key = message.key.map {
            Array(UnsafeRawBufferPointer(start: $0, count: message.key_len))
        }
        var headers: [KafkaHeader] = []
        var rawHeaders: OpaquePointer?
        if rd_kafka_message_headers(raw, &rawHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR,
            let rawHeaders
        {
            let count = rd_kafka_header_cnt(rawHeaders)
            headers.reserveCapacity(count)
            for index in 0..<count {
                var name: UnsafePointer<CChar>?
                var bytes: UnsafeRawPointer?
                var size = 0
                guard
                    rd_kafka_header_get_all(rawHeaders, index, &name, &bytes, &size)
                        == RD_KAFKA_RESP_ERR_NO_ERROR, let name
                else { continue }
                headers.append(
                    KafkaHeader(
                        name: String(cString: name),
                        value: bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(raw, &timestampType)
        let timestamp: KafkaTimestamp? =
            switch timestampType {
            case RD_KAFKA_TIMESTAMP_CREATE_TIME:
                KafkaTimestamp(millisecondsSinceEpoch: milliseconds, kind: .createTime)
            case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
                KafkaTimestamp(millisecondsSinceEpoch: milliseconds, kind: .logAppendTime)
            default: nil
            }
        return KafkaConsumerMessage(
            topic: topic, partition: message.partition, offset: message.offset, key: key,
            value: value, headers: headers, timestamp: timestamp)
    }

    /// Stores offsets for the next commit (automatic, ``commitStoredOffsets()``, or on
    /// ``close()``). Does not block.
    ///
    /// - Parameter offsets: per partition, the offset of the next message to consume (last
    ///   processed + 1, see ``KafkaTopicPartitionOffset/nextOffsets(after:)``).
    /// - Throws: ``KafkaError`` (e.g. ``KafkaError/Code/state`` with the partition, when it is not
    ///   assigned to this consumer any more).
    public func storeOffsets(_ offsets: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        try checkOpen("store offsets")
        guard !offsets.isEmpty else { return }
        let list = RdKafkaTopicPartitionList(offsets)
        let err = rd_kafka_offsets_store(client.handle, list.pointer)
        if let error = list.firstError(operation: "store offsets") { throw error }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "store offsets")
        }
    }

    /// Commits `offsets` and waits for the group coordinator's answer.
    ///
    /// - Parameter offsets: per partition, the next offset to consume (last processed + 1); an
    ///   empty list does nothing.
    /// - Throws: ``KafkaError`` for the request or the first partition that failed (e.g.
    ///   ``KafkaError/Code/rebalanceInProgress``, ``KafkaError/Code/illegalGeneration`` after a
    ///   rebalance).
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws(KafkaError) {
        try checkOpen("commit")
        guard !offsets.isEmpty else { return }
        let client = self.client
        try await controlExecutor.run("commit") { () throws(KafkaError) in
            let list = RdKafkaTopicPartitionList(offsets)
            let err = rd_kafka_commit(client.handle, list.pointer, 0)
            if let error = list.firstError(operation: "commit") { throw error }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, operation: "commit")
            }
        }
    }

    /// Commits the stored offsets (``storeOffsets(_:)``) and waits for the answer; does nothing
    /// when nothing new was stored.
    ///
    /// - Throws: ``KafkaError`` as ``commit(_:)``.
    public func commitStoredOffsets() async throws(KafkaError) {
        try checkOpen("commit")
        let client = self.client
        try await controlExecutor.run("commit") { () throws(KafkaError) in
            let err = rd_kafka_commit(client.handle, nil, 0)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
                throw KafkaError(err, operation: "commit")
            }
        }
    }

    /// Sends a commit of `offsets` without waiting; the outcome arrives as
    /// ``KafkaConsumerEvent/offsetsCommitted(_:error:)`` in a later poll.
    ///
    /// - Parameter offsets: per partition, the next offset to consume (last processed + 1).
    /// - Throws: ``KafkaError`` when the request cannot be sent.
    public func commitAsync(_ offsets: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        try checkOpen("commit")
        guard !offsets.isEmpty else { return }
        let list = RdKafkaTopicPartitionList(offsets)
        let err = rd_kafka_commit(client.handle, list.pointer, 1)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "commit")
        }
    }

    /// Stops fetching from `partitions` (they stay assigned; polls return nothing of theirs
    /// until ``resume(_:)``).
    ///
    /// - Throws: ``KafkaError`` for the first partition that could not be paused.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try checkOpen("pause")
        let list = RdKafkaTopicPartitionList(partitions)
        let err = rd_kafka_pause_partitions(client.handle, list.pointer)
        if let error = list.firstError(operation: "pause") { throw error }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "pause") }
    }

    /// Resumes fetching from paused `partitions`.
    ///
    /// - Throws: ``KafkaError`` for the first partition that could not be resumed.
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try checkOpen("resume")
        let list = RdKafkaTopicPartitionList(partitions)
        let err = rd_kafka_resume_partitions(client.handle, list.pointer)
        if let error = list.firstError(operation: "resume") { throw error }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "resume") }
    }

    /// The partitions currently assigned to this consumer, sorted.
    ///
    /// - Throws: ``KafkaError`` when librdkafka cannot report it.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        try checkOpen("assignment")
        var raw: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client.handle, &raw)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let raw else {
            throw KafkaError(err, operation: "assignment")
        }
        return RdKafkaTopicPartitionList(owning: raw).partitions.sorted()
    }

    /// The next offset this consumer will read from each of `partitions` (`rd_kafka_position`),
    /// `nil` for a partition it has not fetched from yet.
    public func positions(
        _ partitions: [KafkaTopicPartition]
    ) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        try checkOpen("position")
        let list = RdKafkaTopicPartitionList(partitions)
        let err = rd_kafka_position(client.handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "position") }
        return Self.validOffsets(list.offsets)
    }

    /// Asks the group coordinator for the committed offsets of `partitions`.
    ///
    /// - Parameters:
    ///   - partitions: the partitions to ask about (need not be assigned to this consumer).
    ///   - timeout: how long to wait for the coordinator.
    /// - Returns: per partition, the committed next offset; partitions without a committed
    ///   offset are absent.
    /// - Throws: ``KafkaError`` (``KafkaError/Code/timedOut`` when the coordinator did not answer).
    public func committedOffsets(
        for partitions: [KafkaTopicPartition], timeout: Duration
    ) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        try checkOpen("committed offsets")
        let client = self.client
        return try await controlExecutor.run("committed offsets") { () throws(KafkaError) in
            let list = RdKafkaTopicPartitionList(partitions)
            let err = rd_kafka_committed(client.handle, list.pointer, timeout.clampedMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, operation: "committed offsets")
            }
            if let error = list.firstError(operation: "committed offsets") { throw error }
            return Self.validOffsets(list.offsets)
        }
    }

    private static func validOffsets(
        _ offsets: [KafkaTopicPartitionOffset]
    ) -> [KafkaTopicPartition: Int64] {
        var result: [KafkaTopicPartition: Int64] = [:]
        for item in offsets where item.offset >= 0 { result[item.topicPartition] = item.offset }
        return result
    }

    /// Asks the partition leader for the low and high watermarks of a partition (for lag:
    /// `high − committed`).
    ///
    /// - Throws: ``KafkaError`` naming the topic and partition (e.g.
    ///   ``KafkaError/Code/unknownTopicOrPartition``, ``KafkaError/Code/timedOut``).
    public func watermarks(
        topic: String, partition: Int32, timeout: Duration
    ) async throws(KafkaError) -> KafkaWatermarks {
        try checkOpen("query watermarks")
        let client = self.client
        return try await controlExecutor.run("query watermarks") { () throws(KafkaError) in
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(
                client.handle, topic, partition, &low, &high, timeout.clampedMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(
                    err, operation: "query watermarks", topic: topic, partition: partition)
            }
            return KafkaWatermarks(low: low, high: high)
        }
    }

    /// Moves the fetch position of assigned partitions (e.g. back to the first offset of a batch
    /// whose transaction was aborted).
    ///
    /// - Parameters:
    ///   - offsets: per partition, the offset to read next.
    ///   - timeout: how long to wait for the seeks to take effect.
    /// - Throws: ``KafkaError`` for the request or the first partition that failed.
    public func seek(
        _ offsets: [KafkaTopicPartitionOffset], timeout: Duration
    ) async throws(KafkaError) {
        try checkOpen("seek")
        guard !offsets.isEmpty else { return }
        let client = self.client
        try await controlExecutor.run("seek") { () throws(KafkaError) in
            let list = RdKafkaTopicPartitionList(offsets)
            if let error = rd_kafka_seek_partitions(
                client.handle, list.pointer, timeout.clampedMilliseconds)
            {
                throw KafkaError(consuming: error, operation: "seek")
            }
            if let error = list.firstError(operation: "seek") { throw error }
        }
    }

    /// The consumer's group metadata, for ``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)``.
    ///
    /// - Throws: ``KafkaError/Code/state`` when librdkafka has none (no group configured).
    public func groupMetadata() throws(KafkaError) -> KafkaConsumerGroupMetadata {
        try checkOpen("group metadata")
        guard let raw = rd_kafka_consumer_group_metadata(client.handle) else {
            throw KafkaError(
                code: .state, message: "the consumer has no group metadata",
                operation: "group metadata")
        }
        return KafkaConsumerGroupMetadata(owning: raw)
    }

    /// Whether the consumer has joined its group: the group answered with an assignment, which
    /// may be empty (a member beyond the partition count). `false` before the first assignment
    /// and after the assignment was lost (session timeout, fatal group error), until the group
    /// assigns again. Assignments arrive during ``poll(maxMessages:timeout:)``.
    public var hasJoinedGroup: Bool { context.hasJoinedGroup }

    /// The rebalance protocol in use: `"EAGER"`, `"COOPERATIVE"`, or `"NONE"` before joining.
    public var rebalanceProtocol: String {
        String(cString: rd_kafka_rebalance_protocol(client.handle))
    }

    /// Leaves the group: releases a pending revocation, commits stored offsets when
    /// auto-commit is on, revokes the assignment and closes the connection. Waits for a poll
    /// in flight to return first. Calling it again does nothing.
    ///
    /// - Throws: ``KafkaError`` when the final commit or the leave failed; the consumer is
    ///   closed either way.
    public func close() async throws(KafkaError) {
        let alreadyClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !alreadyClosed else { return }
        let client = self.client
        let context = self.context
        defer {
            pollExecutor.shutDown()
            controlExecutor.shutDown()
        }
        try await pollExecutor.run("close") { () throws(KafkaError) in
            context.beginClosing()
            context.releasePendingRevocation(handle: client.handle)
            let err = rd_kafka_consumer_close(client.handle)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, operation: "close")
            }
        }
    }

    private func checkOpen(_ operation: String) throws(KafkaError) {
        if isClosed.withLock({ $0 }) {
            throw KafkaError(
                code: .destroy, message: "the consumer is closed", operation: operation)
        }
    }
}
