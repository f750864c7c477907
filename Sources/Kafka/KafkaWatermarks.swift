/// The low and high watermark offsets of a partition.
///
/// Consumer lag for a partition is `high - committedOffset` (or `high - low` when nothing is
/// committed yet).
public struct KafkaWatermarks: Sendable, Hashable {
    /// The offset of the oldest retained message.
    public var low: Int64
    /// The offset the next produced message will get (one past the newest).
    public var high: Int64

    /// Creates the value from its parts (see the properties).
    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}
