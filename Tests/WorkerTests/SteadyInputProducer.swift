import Foundation
import Kafka
import Synchronization
import Testing

/// Produces inputs to a topic at a steady rate in the background (in 50 ms ticks, catching up
/// on a late tick), as the field's load generator did, until ``stop()``.
///
/// Input `n` has key and `id` `<prefix>-<n>`, so a label's `id` names the input it answers.
final class SteadyInputProducer: Sendable {
    private let produced = Mutex(0)
    private let failures = Mutex(0)
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let stopRequested = Mutex(false)

    /// Starts producing.
    ///
    /// - Parameters:
    ///   - bootstrapServers: the broker.
    ///   - topic: the input topic.
    ///   - rate: inputs per second.
    ///   - prefix: the inputs' id prefix.
    /// - Throws: `KafkaError` when the producer cannot be created.
    init(bootstrapServers: String, topic: String, rate: Int, prefix: String = "item") throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])
        configuration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: configuration, logger: WorkerTestSupport.logger)
        let texts = ["Stocks rally as rates hold", "Striker scores twice in derby", "Probe reaches orbit", "Talks stall over border"]
        let running = Task { [self] in
            let clock = ContinuousClock()
            let start = clock.now
            var sent = 0
            while !stopRequested.withLock({ $0 }) {
                let due = Int(Double(rate) * (start.duration(to: clock.now) / .seconds(1)))
                let messages = (sent..<max(sent, due)).map { n in
                    let id = "\(prefix)-\(n)"
                    let value = (try? WorkerTestSupport.inputJSON(id: id, text: "\(texts[n % texts.count]) \(n)")) ?? []
                    return KafkaProducerMessage(topic: topic, key: Array(id.utf8), value: value)
                }
                if !messages.isEmpty {
                    let reports = await producer.send(messages)
                    failures.withLock { $0 += reports.filter { $0.error != nil }.count }
                    sent += messages.count
                    produced.withLock { $0 = sent }
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
            await producer.close()
        }
        task.withLock { $0 = running }
    }

    /// Inputs produced (acknowledged or failed) so far.
    var count: Int { produced.withLock { $0 } }

    /// Stops producing and waits for the producer to close; returns the number of inputs
    /// produced (the test expects no failed delivery).
    @discardableResult
    func stop() async -> Int {
        stopRequested.withLock { $0 = true }
        let running = task.withLock { $0 }
        await running?.value
        #expect(failures.withLock { $0 } == 0, "inputs not delivered")
        return count
    }
}
