/// How the worker ties its outputs to its input offsets (DESIGN.md "Delivery guarantees").
public enum ProcessingGuarantee: String, Sendable, Hashable, CaseIterable {
    /// Offsets are committed only after the broker acknowledged every output (label or dead
    /// letter) for them and for every earlier offset of the partition. A crash or a rebalance
    /// may produce an output twice, never lose one.
    case atLeastOnce = "at_least_once"
    /// Outputs and input offsets are committed in one Kafka transaction (transactional
    /// producer, `read_committed` readers see each output once).
    case exactlyOnce = "exactly_once"
}
