import CRdKafka
import Foundation
import Logging

/// The Swift side of a librdkafka handle that its C callbacks reach through the handle's
/// `opaque` pointer. Subclasses add the state of consumers and producers.
///
/// `@unchecked Sendable`: stored properties are immutable or guarded by a `Mutex`; librdkafka
/// calls the callbacks from its own threads.
class RdKafkaCallbackContext: @unchecked Sendable {
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// A client-level error reported by librdkafka (`error_cb`). Fatal ones are also thrown by
    /// the next operation; the default logs.
    func handleError(_ error: KafkaError) {
        if error.isFatal {
            logger.error("librdkafka fatal error", metadata: ["kafka.error": "\(error)"])
        } else {
            logger.info("librdkafka error", metadata: ["kafka.error": "\(error)"])
        }
    }

    /// Maps librdkafka's syslog levels (0 emergency … 7 debug) to swift-log levels.
    static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: return .critical
        case 3: return .error
        case 4: return .warning
        case 5: return .notice
        case 6: return .info
        default: return .debug
        }
    }
}

/// Owns an `rd_kafka_t` and its callback context.
///
/// `@unchecked Sendable`: librdkafka documents its handles as thread-safe (every public
/// function may be called from any thread, `INTRODUCTION.md`, "Threads and callbacks"); the
/// pointer itself never changes, and the handle is destroyed only in `deinit`, when no other
/// reference can be using it.
final class RdKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: RdKafkaCallbackContext
    private let retainedContext: Unmanaged<RdKafkaCallbackContext>

    /// Creates a handle.
    ///
    /// - Parameters:
    ///   - type: producer or consumer.
    ///   - properties: librdkafka properties, applied in name order.
    ///   - context: the callbacks' state; retained until the handle is destroyed.
    ///   - operation: names the operation in errors, e.g. `"create consumer"`.
    ///   - configure: sets further callbacks on the `rd_kafka_conf_t` before the handle exists.
    /// - Throws: ``KafkaError/Code/invalidArgument`` naming the property librdkafka rejected
    ///   (secret values masked), or the reason `rd_kafka_new` failed.
    init(
        type: rd_kafka_type_t, properties: [String: String], context: RdKafkaCallbackContext,
        operation: String, configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .fail, message: "rd_kafka_conf_new failed", operation: operation)
        }
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let (result, message) = CErrorBuffer.call { rd_kafka_conf_set(conf, name, value, $0, $1) }
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                var text = message
                if KafkaRedaction.isSensitive(name), !value.isEmpty {
                    text = text.replacingOccurrences(of: value, with: KafkaRedaction.mask)
                }
                throw KafkaError(
                    code: .invalidArgument,
                    message: "property \"\(name)\": \(text.isEmpty ? "rejected" : text)",
                    operation: operation, isRetriable: false)
            }
        }
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, message in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            let context = Unmanaged<RdKafkaCallbackContext>.fromOpaque(opaque)
                .takeUnretainedValue()
            context.logger.log(
                level: RdKafkaCallbackContext.logLevel(syslog: level),
                "\(message.map { String(cString: $0) } ?? "")",
                metadata: [
                    "librdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")",
                    "librdkafka.client": "\(String(cString: rd_kafka_name(handle)))",
                ])
        }
        rd_kafka_conf_set_error_cb(conf) { handle, code, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<RdKafkaCallbackContext>.fromOpaque(opaque)
                .takeUnretainedValue()
            let err = rd_kafka_resp_err_t(rawValue: code)
            if err == RD_KAFKA_RESP_ERR__FATAL, let handle,
                let fatal = KafkaError.fatalError(of: handle, operation: "client")
            {
                context.handleError(fatal)
            } else {
                context.handleError(
                    KafkaError(
                        err, operation: "client",
                        message: reason.map { String(cString: $0) }))
            }
        }
        configure(conf)
        let retained = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        let (created, message) = CErrorBuffer.call { rd_kafka_new(type, conf, $0, $1) }
        guard let created else {
            // rd_kafka_new leaves the configuration with the caller when it fails.
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError(code: .invalidArgument, message: message, operation: operation)
        }
        self.handle = created
        self.context = context
        self.retainedContext = retained
    }

    deinit {
        rd_kafka_destroy(handle)
        retainedContext.release()
    }

    /// The handle's name, e.g. `rdkafka#consumer-1`.
    var name: String { String(cString: rd_kafka_name(handle)) }
}
