import Kafka

/// Per partition, which input offsets are answered (their output acknowledged by the broker),
/// and so which offset may be committed: the at-least-once commit policy.
///
/// Every input read is ``register(_:outputs:)``ed with the outputs it produced (a label or a dead
/// letter; an abstained label also its review copy); each output's delivery report
/// ``acknowledge(token:)``s it, and an input is answered when all of its outputs are. A
/// partition's committable offset is one past the longest prefix of its registered inputs that
/// are all answered, so an offset is committed only after every output for it **and for all
/// before it** on that partition was acknowledged, whatever order the acknowledgements arrive in.
///
/// A value type without synchronisation; the worker keeps it behind a lock.
public struct OffsetTracker: Sendable {
    /// An output waiting for its delivery report.
    public struct Pending: Sendable, Equatable {
        /// The input's partition.
        public var partition: KafkaTopicPartition
        /// The input's offset.
        public var offset: Int64
        /// The input's record timestamp (for the end-to-end latency).
        public var timestamp: KafkaTimestamp?
        /// The output record, kept so that a failed delivery can be produced again.
        public var message: KafkaProducerMessage
        /// Which assignment of the partition registered it.
        fileprivate var epoch: UInt64
        /// Its position in the partition's queue.
        fileprivate var index: Int
    }

    private struct PartitionQueue {
        var epoch: UInt64
        /// Registered offsets in read order; `unacknowledged[i]` counts the outputs of `offsets[i]`
        /// still waiting (0: answered).
        var offsets: [Int64] = []
        var unacknowledged: [Int] = []
        /// The queue position of `offsets[0]` (positions keep counting when the front is dropped).
        var base = 0
        /// The first entry not yet answered, as an index into `offsets`.
        var head = 0
        /// One past the last offset of the answered prefix; `nil` before the first answer.
        var committable: Int64?
        /// What ``takeCommittableOffsets()`` last handed out.
        var handedOut: Int64?

        mutating func append(_ offset: Int64, outputs: Int) -> Int {
            offsets.append(offset)
            unacknowledged.append(outputs)
            return base + offsets.count - 1
        }

        mutating func acknowledge(index: Int) {
            let position = index - base
            guard position >= 0, position < offsets.count, unacknowledged[position] > 0 else { return }
            unacknowledged[position] -= 1
            while head < offsets.count && unacknowledged[head] == 0 {
                committable = max(committable ?? Int64.min, offsets[head] + 1)
                head += 1
            }
            // Drop the answered front now and then, so memory follows what is in flight.
            if head >= 1024 && head * 2 >= offsets.count {
                offsets.removeFirst(head)
                unacknowledged.removeFirst(head)
                base += head
                head = 0
            }
        }

        /// Inputs not yet answered.
        var pendingCount: Int { unacknowledged[head...].lazy.filter { $0 > 0 }.count }
    }

    private var queues: [KafkaTopicPartition: PartitionQueue] = [:]
    private var pending: [UInt64: Pending] = [:]
    private var nextToken: UInt64 = 0
    private var nextEpoch: UInt64 = 0

    public init() {}

    /// The number of outputs waiting for their delivery report.
    public var inFlightCount: Int { pending.count }

    /// The partitions being tracked.
    public var partitions: [KafkaTopicPartition] { queues.keys.sorted() }

    /// Records an input and its output, and returns the token to produce the output with.
    ///
    /// Inputs of a partition must be registered in the order they were read.
    ///
    /// - Parameters:
    ///   - input: the consumed record.
    ///   - output: the record answering it.
    /// - Returns: the token that ``acknowledge(token:)`` takes.
    public mutating func register(
        _ input: KafkaConsumerMessage, output: KafkaProducerMessage
    ) -> UInt64 {
        register(input, outputs: [output])[0]
    }

    /// Records an input and its outputs (at least one), and returns a token per output, in order:
    /// the input is answered when every one of them is acknowledged.
    ///
    /// Inputs of a partition must be registered in the order they were read.
    ///
    /// - Parameters:
    ///   - input: the consumed record.
    ///   - outputs: the records answering it (a label and its review copy, say); not empty.
    /// - Returns: the tokens that ``acknowledge(token:)`` takes, one per output.
    public mutating func register(
        _ input: KafkaConsumerMessage, outputs: [KafkaProducerMessage]
    ) -> [UInt64] {
        precondition(!outputs.isEmpty, "an input is registered with at least one output")
        let partition = input.topicPartition
        if queues[partition] == nil {
            nextEpoch += 1
            queues[partition] = PartitionQueue(epoch: nextEpoch)
        }
        let index = queues[partition]!.append(input.offset, outputs: outputs.count)
        let epoch = queues[partition]!.epoch
        return outputs.map { output in
            let token = nextToken
            nextToken += 1
            pending[token] = Pending(
                partition: partition, offset: input.offset, timestamp: input.timestamp,
                message: output, epoch: epoch, index: index)
            return token
        }
    }

    /// The output registered under `token`, still waiting (e.g. to produce it again after a
    /// failed delivery).
    public func pendingOutput(token: UInt64) -> Pending? { pending[token] }

    /// Replaces the output kept for `token` (when it has to be produced in another form).
    public mutating func replaceOutput(token: UInt64, with message: KafkaProducerMessage) {
        pending[token]?.message = message
    }

    /// Marks the output of `token` acknowledged by the broker.
    ///
    /// - Returns: what was pending, or `nil` for an unknown token (already acknowledged, or its
    ///   partition was ``forget(_:)``ten).
    @discardableResult
    public mutating func acknowledge(token: UInt64) -> Pending? {
        guard let entry = pending.removeValue(forKey: token) else { return nil }
        if var queue = queues[entry.partition], queue.epoch == entry.epoch {
            queue.acknowledge(index: entry.index)
            queues[entry.partition] = queue
        }
        return entry
    }

    /// The offsets to store or commit that advanced since the last call: per partition, one past
    /// the answered prefix. Sorted by partition.
    public mutating func takeCommittableOffsets() -> [KafkaTopicPartitionOffset] {
        var result: [KafkaTopicPartitionOffset] = []
        for (partition, queue) in queues {
            guard let offset = queue.committable, offset != queue.handedOut else { continue }
            queues[partition]?.handedOut = offset
            result.append(
                KafkaTopicPartitionOffset(
                    topic: partition.topic, partition: partition.partition, offset: offset))
        }
        return result.sorted { $0.topicPartition < $1.topicPartition }
    }

    /// The number of inputs of `partitions` whose outputs still wait for a delivery report.
    public func inFlightCount(of partitions: some Sequence<KafkaTopicPartition>) -> Int {
        partitions.reduce(0) { $0 + (queues[$1]?.pendingCount ?? 0) }
    }

    /// Stops tracking `partitions` (revoked or lost): their pending outputs are dropped and later
    /// acknowledgements for them are ignored, so nothing is committed for a partition this worker
    /// no longer owns.
    ///
    /// - Returns: the number of outputs that were still pending.
    @discardableResult
    public mutating func forget(_ partitions: some Sequence<KafkaTopicPartition>) -> Int {
        let dropped = Set(partitions)
        for partition in dropped { queues[partition] = nil }
        let before = pending.count
        pending = pending.filter { !dropped.contains($0.value.partition) }
        return before - pending.count
    }
}
