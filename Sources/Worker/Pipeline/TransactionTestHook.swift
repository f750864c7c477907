import Kafka

/// Fault injection for tests of the exactly-once path on brokers that have none (noida-db,
/// `../shared/KAFKA-TESTING.md`): runs inside each transaction after its outputs were
/// acknowledged and before its offsets are sent. Not a production setting.
///
/// - ``abort(every:)``: makes every n-th transaction fail with an abortable error; the worker
///   aborts it and redoes its batch, as after a broker error. `read_committed` readers must then
///   see each input once, and `read_uncommitted` readers also the aborted outputs.
/// - ``hold(for:)``: keeps each transaction open that long before it commits, so that a crash
///   test's SIGKILL lands inside an open transaction with its outputs written.
public struct TransactionTestHook: Sendable {
    /// Called with the transaction's number (from 0 since start); throwing aborts it.
    public let body: @Sendable (_ transaction: Int) async throws(KafkaError) -> Void

    public init(_ body: @escaping @Sendable (_ transaction: Int) async throws(KafkaError) -> Void) {
        self.body = body
    }

    /// Every `n`-th transaction (numbers n−1, 2n−1, …) is aborted.
    public static func abort(every n: Int) -> TransactionTestHook {
        TransactionTestHook { transaction throws(KafkaError) in
            guard n > 0, (transaction + 1) % n == 0 else { return }
            throw KafkaError(
                code: .fail, message: "transaction \(transaction) aborted by the test hook", operation: "test hook",
                isRetriable: false, transactionRequiresAbort: true)
        }
    }

    /// Each transaction stays open `duration` longer before it commits.
    public static func hold(for duration: Duration) -> TransactionTestHook {
        TransactionTestHook { _ in try? await Task.sleep(for: duration) }
    }

    /// The environment variable `newsclf-worker` reads the hook from:
    /// `abort-every:N` or `hold-ms:M`. Test suites only; the worker logs a warning when it is set.
    public static let environmentVariable = "NEWSCLF_TEST_TRANSACTION_HOOK"

    /// The hook an environment names (``environmentVariable``); `nil` when unset.
    /// - Throws: a message naming the variable and the value when it is not one of the forms.
    public static func from(environment: [String: String]) throws(TransactionTestHookError) -> TransactionTestHook? {
        guard let value = environment[environmentVariable], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let number = Int(parts[1]), number > 0 else {
            throw TransactionTestHookError(value: value)
        }
        switch parts[0] {
        case "abort-every": return .abort(every: number)
        case "hold-ms": return .hold(for: .milliseconds(number))
        default: throw TransactionTestHookError(value: value)
        }
    }
}

/// ``TransactionTestHook/environmentVariable`` holds something else than `abort-every:N` or
/// `hold-ms:M` (N, M positive integers).
public struct TransactionTestHookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The variable's value.
    public var value: String

    public init(value: String) {
        self.value = value
    }

    public var description: String {
        "\(TransactionTestHook.environmentVariable)=\(value): expected abort-every:N or hold-ms:M (positive integers)"
    }
}
