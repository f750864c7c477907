import CRdKafka
import Logging
import Synchronization

/// Sends records to Kafka and reports, for each one, whether the broker acknowledged it;
/// optionally inside transactions.
///
/// Two ways to send:
/// - ``send(_:)``: enqueue a batch and wait for all its delivery reports (returned in input
///   order). The simplest fit for "produce the outputs of a batch, then commit its inputs".
/// - ``produce(_:token:)``: enqueue one record with a caller-chosen token and read its report
///   from ``deliveryReports`` later. For pipelines that keep producing while acknowledgements
///   come in.
///
/// At-least-once (the worker's default): produce the outputs of a batch, and only after every
/// report is a success store/commit the input offsets. A failed report (e.g.
/// ``KafkaError/Code/messageTimedOut``) means the output may be missing: produce it again or
/// stop without committing.
///
/// Exactly-once: set ``KafkaProducerConfiguration/transactionalID``, then
///
/// ```swift
/// try await producer.initTransactions(timeout: .seconds(30))
/// // per batch:
/// try producer.beginTransaction()
/// _ = await producer.send(outputs)
/// try await producer.sendOffsetsToTransaction(
///     KafkaTopicPartitionOffset.nextOffsets(after: batch.messages),
///     groupMetadata: try consumer.groupMetadata(), timeout: .seconds(30))
/// try await producer.commitTransaction(timeout: .seconds(30))
/// ```
///
/// On a ``KafkaError`` with ``KafkaError/transactionRequiresAbort`` call
/// ``abortTransaction(timeout:)``, seek the consumer back to the batch's first offsets and
/// redo the batch; with ``KafkaError/isRetriable`` repeat the call; with ``KafkaError/isFatal``
/// close the producer (a newer instance with the same transactional id fenced it, or the
/// transaction state is lost) and exit or recreate it.
///
/// **Threads.** A dedicated thread polls librdkafka for delivery reports; flush and the
/// blocking transaction calls run on a second dedicated thread; enqueueing and
/// ``beginTransaction()`` wait at most for librdkafka's internal thread, never for the network.
public final class KafkaProducer: Sendable {
    /// The configuration the producer was created with.
    public let configuration: KafkaProducerConfiguration
    /// Reports of the messages enqueued with ``produce(_:token:)`` (not those of ``send(_:)``),
    /// in the order they arrive. Buffered without limit: keep reading it when you use
    /// ``produce(_:token:)``. Iterate it from one task only. Finishes after ``close(timeout:)``.
    public let deliveryReports: AsyncStream<KafkaDeliveryReport>

    private let client: RdKafkaClient
    private let context: ProducerCallbackContext
    private let reportSink: @Sendable (KafkaDeliveryReport) -> Void
    private let finishReports: @Sendable () -> Void
    private let pollExecutor: BlockingExecutor
    private let controlExecutor: BlockingExecutor
    /// Set when the poll thread must stop; shared with that thread, which must not hold `self`.
    private let isStopping = StopFlag()
    private let isClosed = Mutex(false)

    /// Creates the producer and starts its poll thread.
    ///
    /// - Parameters:
    ///   - configuration: connection, idempotence, transaction and batching settings.
    ///   - logger: receives librdkafka's log lines.
    /// - Throws: ``KafkaError`` with ``KafkaError/Code/invalidArgument`` naming a rejected
    ///   property.
    public init(
        configuration: KafkaProducerConfiguration,
        logger: Logger = Logger(label: "newsclf.kafka.producer")
    ) throws(KafkaError) {
        let context = ProducerCallbackContext(logger: logger)
        let client = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER, properties: configuration.librdkafkaProperties,
            context: context, operation: "create producer"
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let opaque else { return }
                let context = Unmanaged<RdKafkaCallbackContext>.fromOpaque(opaque)
                    .takeUnretainedValue()
                (context as? ProducerCallbackContext)?.delivered(message)
            }
        }
        let (stream, continuation) = AsyncStream.makeStream(of: KafkaDeliveryReport.self)
        self.configuration = configuration
        self.client = client
        self.context = context
        self.deliveryReports = stream
        self.reportSink = { continuation.yield($0) }
        self.finishReports = { continuation.finish() }
        self.pollExecutor = BlockingExecutor(name: "\(client.name) poll")
        self.controlExecutor = BlockingExecutor(name: "\(client.name) control")
        let isStopping = self.isStopping
        pollExecutor.execute {
            while !isStopping.value.withLock({ $0 }) {
                rd_kafka_poll(client.handle, 100)
            }
        }
    }

    deinit {
        isStopping.value.withLock { $0 = true }
        Self.interruptPoll(client.handle)
        // Give undelivered messages their (purged) reports, so that their tickets are released
        // and waiting `send` calls return, then let the handle go on the poll thread.
        let client = self.client
        let context = self.context
        let finishReports = self.finishReports
        pollExecutor.execute {
            Self.purgeAndDrain(client.handle, context: context)
            finishReports()
            _ = client
        }
        pollExecutor.shutDown()
        controlExecutor.shutDown()
    }

    /// Enqueues one record; its ``KafkaDeliveryReport`` (carrying `token`) arrives on
    /// ``deliveryReports``. Does not block.
    ///
    /// - Parameters:
    ///   - message: the record.
    ///   - token: an opaque value of the caller, returned in the report (e.g. an index into the
    ///     caller's table of inputs).
    /// - Throws: ``KafkaError``: ``KafkaError/Code/queueFull`` (retriable; wait for deliveries
    ///   and try again), ``KafkaError/Code/messageSizeTooLarge``,
    ///   ``KafkaError/Code/unknownPartition``, ``KafkaError/Code/unknownTopic``, a fatal error, or
    ///   ``KafkaError/Code/state`` (transactional producer outside a transaction). No report is
    ///   sent for a message that was not enqueued.
    public func produce(_ message: KafkaProducerMessage, token: UInt64) throws(KafkaError) {
        try checkOpen("produce")
        try enqueue(message, ticket: DeliveryTicket(token: token, complete: reportSink))
    }

    /// Enqueues `messages` and waits until each has its delivery report.
    ///
    /// When librdkafka's queue is full, waits (without blocking a thread) for room. A message
    /// that cannot be enqueued at all gets a failed report right away.
    ///
    /// - Parameter messages: the records, in order.
    /// - Returns: one report per message, in input order; report `i` has token `i`.
    public func send(_ messages: [KafkaProducerMessage]) async -> [KafkaDeliveryReport] {
        guard !messages.isEmpty else { return [] }
        let collector = DeliveryCollector(count: messages.count)
        let record: @Sendable (KafkaDeliveryReport) -> Void = { collector.record($0) }
        for (index, message) in messages.enumerated() {
            let ticket = DeliveryTicket(token: UInt64(index), complete: record)
            while true {
                do {
                    try checkOpen("produce")
                    try enqueue(message, ticket: ticket)
                    break
                } catch let error where error.code == .queueFull && !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(5))
                } catch {
                    record(
                        KafkaDeliveryReport(
                            token: UInt64(index), topic: message.topic,
                            partition: message.partition ?? RD_KAFKA_PARTITION_UA,
                            result: .failure(error), persistence: .notPersisted))
                    break
                }
            }
        }
        return await collector.reports()
    }

    private func enqueue(_ message: KafkaProducerMessage, ticket: DeliveryTicket) throws(KafkaError) {
        let opaque = Unmanaged.passRetained(ticket).toOpaque()
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(
                            headers, header.name, -1, bytes.baseAddress, bytes.count)
                    }
                } else {
                    _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
                }
            }
        }
        let failure: OpaquePointer? = message.topic.withCString { topic in
            Self.withOptionalBytes(message.key) { key in
                Self.withOptionalBytes(message.value) { value in
                    var fields: [rd_kafka_vu_t] = []
                    fields.reserveCapacity(7)
                    var field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_TOPIC
                    field.u.cstr = topic
                    fields.append(field)
                    if let partition = message.partition {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_PARTITION
                        field.u.i32 = partition
                        fields.append(field)
                    }
                    if let key {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_KEY
                        field.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                        field.u.mem.size = key.count
                        fields.append(field)
                    }
                    if let value {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_VALUE
                        field.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                        field.u.mem.size = value.count
                        fields.append(field)
                    }
                    if let headers {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_HEADERS
                        field.u.headers = headers
                        fields.append(field)
                    }
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    field.u.i = RD_KAFKA_MSG_F_COPY
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_OPAQUE
                    field.u.ptr = opaque
                    fields.append(field)
                    return rd_kafka_produceva(client.handle, fields, fields.count)
                }
            }
        }
        if failure == nil { context.accepted() }
        if let failure {
            // On failure librdkafka keeps neither the headers nor the opaque pointer.
            if let headers { rd_kafka_headers_destroy(headers) }
            Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
            var error = KafkaError(consuming: failure, operation: "produce", topic: message.topic)
            error.partition = message.partition
            if error.code == .fatal, let fatal = KafkaError.fatalError(of: client.handle, operation: "produce") {
                error = fatal
                error.topic = message.topic
            }
            throw error
        }
    }

    /// Calls `body` with the bytes of `bytes`, or `nil` when `bytes` is `nil`. An empty array
    /// yields a non-nil pointer, so that an empty value stays distinct from a null one.
    private static func withOptionalBytes<T>(
        _ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> T
    ) -> T {
        guard let bytes else { return body(nil) }
        if bytes.isEmpty {
            return withUnsafeTemporaryAllocation(byteCount: 1, alignment: 1) { scratch in
                body(UnsafeRawBufferPointer(start: scratch.baseAddress, count: 0))
            }
        }
        return bytes.withUnsafeBytes { body($0) }
    }

    /// The number of enqueued messages whose delivery report has not been delivered yet (for
    /// back-pressure: stop producing while it is high).
    public var outstandingCount: Int { context.pendingCount }

    /// Waits until every enqueued message has its delivery report, or `timeout` passed.
    ///
    /// - Throws: ``KafkaError/Code/timedOut`` (retriable) when messages remain.
    public func flush(timeout: Duration) async throws(KafkaError) {
        try checkOpen("flush")
        let client = self.client
        try await controlExecutor.run("flush") { () throws(KafkaError) in
            let err = rd_kafka_flush(client.handle, timeout.clampedMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(
                    err, operation: "flush",
                    message: "\(rd_kafka_outq_len(client.handle)) messages or requests outstanding")
            }
        }
    }

    /// Registers the transactional id with the transaction coordinator, fences older producers
    /// with the same id, and aborts or completes their open transaction. Call once, before the
    /// first ``beginTransaction()``.
    ///
    /// - Throws: ``KafkaError`` (retriable ones, e.g. a timeout, may be retried with the same
    ///   call; ``KafkaError/Code/notImplemented`` or ``KafkaError/Code/state`` without a
    ///   transactional id).
    public func initTransactions(timeout: Duration) async throws(KafkaError) {
        try await transactionCall("init transactions") { handle in
            rd_kafka_init_transactions(handle, timeout.clampedMilliseconds)
        }
    }

    /// Starts a transaction; records produced until commit or abort belong to it. Does not
    /// block.
    ///
    /// - Throws: ``KafkaError`` (``KafkaError/Code/state`` when one is already open or
    ///   ``initTransactions(timeout:)`` was not called).
    public func beginTransaction() throws(KafkaError) {
        try checkOpen("begin transaction")
        if let error = rd_kafka_begin_transaction(client.handle) {
            throw KafkaError(consuming: error, operation: "begin transaction")
        }
    }

    /// Adds consumer offsets to the open transaction: they are committed for the consumer's
    /// group if and only if the transaction commits.
    ///
    /// - Parameters:
    ///   - offsets: per input partition, the next offset to consume (last processed + 1).
    ///   - groupMetadata: ``KafkaConsumer/groupMetadata()``, taken after the last poll.
    ///   - timeout: how long to wait for the coordinators.
    /// - Throws: ``KafkaError`` with librdkafka's classes: retriable, abortable
    ///   (``KafkaError/transactionRequiresAbort``, e.g. after a rebalance), or fatal.
    public func sendOffsetsToTransaction(
        _ offsets: [KafkaTopicPartitionOffset], groupMetadata: KafkaConsumerGroupMetadata,
        timeout: Duration
    ) async throws(KafkaError) {
        try await transactionCall("send offsets to transaction") { handle in
            let list = RdKafkaTopicPartitionList(offsets)
            return withExtendedLifetime(groupMetadata) {
                rd_kafka_send_offsets_to_transaction(
                    handle, list.pointer, groupMetadata.pointer, timeout.clampedMilliseconds)
            }
        }
    }

    /// Flushes the transaction's records and commits it (records become visible to
    /// `read_committed` consumers, sent offsets are committed).
    ///
    /// - Throws: ``KafkaError``: retriable (call again), abortable (call
    ///   ``abortTransaction(timeout:)``) or fatal.
    public func commitTransaction(timeout: Duration) async throws(KafkaError) {
        try await transactionCall("commit transaction") { handle in
            rd_kafka_commit_transaction(handle, timeout.clampedMilliseconds)
        }
    }

    /// Aborts the open transaction: its records are discarded for `read_committed` consumers and
    /// its offsets are not committed. Messages still queued fail with purge errors.
    ///
    /// - Throws: ``KafkaError``: retriable (call again) or fatal.
    public func abortTransaction(timeout: Duration) async throws(KafkaError) {
        try await transactionCall("abort transaction") { handle in
            rd_kafka_abort_transaction(handle, timeout.clampedMilliseconds)
        }
    }

    /// Runs a blocking transaction call that returns an `rd_kafka_error_t` on the control thread.
    private func transactionCall(
        _ operation: String, _ call: @escaping @Sendable (OpaquePointer) -> OpaquePointer?
    ) async throws(KafkaError) {
        try checkOpen(operation)
        let client = self.client
        try await controlExecutor.run(operation) { () throws(KafkaError) in
            if let error = call(client.handle) {
                throw KafkaError(consuming: error, operation: operation)
            }
        }
    }

    /// Flushes for at most `timeout`, then purges what is left (those messages get failed
    /// reports with ``KafkaError/Code/purgeQueue`` or ``KafkaError/Code/purgeInflight``), stops
    /// the poll thread and finishes ``deliveryReports``. An open transaction is not committed
    /// (the broker aborts it after its timeout). Calling it again does nothing.
    ///
    /// - Parameter timeout: how long to wait for outstanding deliveries.
    public func close(timeout: Duration = .seconds(10)) async {
        let alreadyClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !alreadyClosed else { return }
        let client = self.client
        _ = try? await controlExecutor.run("close") { () throws(KafkaError) in
            _ = rd_kafka_flush(client.handle, timeout.clampedMilliseconds)
        }
        isStopping.value.withLock { $0 = true }
        Self.interruptPoll(client.handle)
        let context = self.context
        let finishReports = self.finishReports
        _ = try? await pollExecutor.run("close") { () throws(KafkaError) in
            Self.purgeAndDrain(client.handle, context: context)
            finishReports()
        }
        pollExecutor.shutDown()
        controlExecutor.shutDown()
    }

    /// Makes the poll thread's current `rd_kafka_poll` return now (it serves the main queue), so
    /// that it notices the stop flag without waiting out its timeout.
    private static func interruptPoll(_ handle: OpaquePointer) {
        guard let queue = rd_kafka_queue_get_main(handle) else { return }
        rd_kafka_queue_yield(queue)
        rd_kafka_queue_destroy(queue)
    }

    /// Purges queued and in-flight messages and serves their delivery reports (waiting at most
    /// 5 s for broker threads to hand them back).
    private static func purgeAndDrain(_ handle: OpaquePointer, context: ProducerCallbackContext) {
        _ = rd_kafka_purge(
            handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(5))
        rd_kafka_poll(handle, 0)
        while context.pendingCount > 0 && clock.now < deadline {
            rd_kafka_poll(handle, 10)
        }
    }

    private func checkOpen(_ operation: String) throws(KafkaError) {
        if isClosed.withLock({ $0 }) {
            throw KafkaError(
                code: .destroy, message: "the producer is closed", operation: operation)
        }
    }
}

/// A flag that a closure on another thread can hold without holding its owner.
private final class StopFlag: Sendable {
    let value = Mutex(false)
}
