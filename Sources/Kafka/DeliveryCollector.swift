import Synchronization

/// Gathers the delivery reports of one ``KafkaProducer/send(_:)`` call, in input order, and
/// resumes the waiting task when all have arrived.
final class DeliveryCollector: Sendable {
    private struct State {
        var reports: [KafkaDeliveryReport?]
        var remaining: Int
        var waiter: CheckedContinuation<[KafkaDeliveryReport], Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(
            State(reports: Array(repeating: nil, count: count), remaining: count, waiter: nil))
    }

    /// Records the report for input `report.token`.
    func record(_ report: KafkaDeliveryReport) {
        let finished: (CheckedContinuation<[KafkaDeliveryReport], Never>, [KafkaDeliveryReport])? =
            state.withLock { state in
                let index = Int(report.token)
                guard state.reports[index] == nil else { return nil }
                state.reports[index] = report
                state.remaining -= 1
                guard state.remaining == 0, let waiter = state.waiter else { return nil }
                state.waiter = nil
                return (waiter, state.reports.map { $0! })
            }
        if let (waiter, reports) = finished { waiter.resume(returning: reports) }
    }

    /// Waits until every input has its report.
    func reports() async -> [KafkaDeliveryReport] {
        await withCheckedContinuation { continuation in
            let ready: [KafkaDeliveryReport]? = state.withLock { state in
                if state.remaining == 0 { return state.reports.map { $0! } }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
