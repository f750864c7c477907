import CRdKafka
import Logging
import Synchronization

/// Where the delivery report of one produced message goes. Passed to librdkafka as the
/// message's opaque pointer (retained) and released by the delivery report callback, which
/// librdkafka calls exactly once per accepted message.
final class DeliveryTicket: Sendable {
    let token: UInt64
    let complete: @Sendable (KafkaDeliveryReport) -> Void

    init(token: UInt64, complete: @escaping @Sendable (KafkaDeliveryReport) -> Void) {
        self.token = token
        self.complete = complete
    }
}

/// The state a producer's librdkafka callbacks use. Delivery reports are served by
/// `rd_kafka_poll`/`rd_kafka_flush` on the producer's threads.
final class ProducerCallbackContext: RdKafkaCallbackContext, @unchecked Sendable {
    /// Messages librdkafka accepted whose delivery report has not been served yet.
    private let pending = Mutex(0)

    var pendingCount: Int { pending.withLock { $0 } }

    /// Counts a message librdkafka accepted.
    func accepted() { pending.withLock { $0 += 1 } }

    /// The delivery report callback (`dr_msg_cb`): builds the report and hands it to the
    /// message's ticket.
    func delivered(_ raw: UnsafePointer<rd_kafka_message_t>) {
        let message = raw.pointee
        guard let opaque = message._private else {
            logger.warning("delivery report without a ticket")
            return
        }
        let ticket = Unmanaged<DeliveryTicket>.fromOpaque(opaque).takeRetainedValue()
        pending.withLock { $0 -= 1 }
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let result: Result<Int64, KafkaError>
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            result = .success(message.offset)
        } else {
            result = .failure(
                KafkaError(
                    message.err, operation: "deliver", topic: topic,
                    partition: message.partition >= 0 ? message.partition : nil))
        }
        let persistence: KafkaDeliveryReport.Persistence =
            switch rd_kafka_message_status(raw) {
            case RD_KAFKA_MSG_STATUS_PERSISTED: .persisted
            case RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED: .possiblyPersisted
            default: .notPersisted
            }
        ticket.complete(
            KafkaDeliveryReport(
                token: ticket.token, topic: topic, partition: message.partition, result: result,
                persistence: persistence))
    }
}
