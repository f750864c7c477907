import Kafka

/// What one readiness check saw: the answer to a metadata request for the worker's topics, the
/// consumer's group membership, and whether the worker drains.
public struct ReadinessObservation: Sendable, Hashable {
    /// The topics the cluster described (``KafkaAdminClient/metadata(topics:timeout:)``), or the
    /// request's error; `nil` before the first answer.
    public var metadata: Result<[KafkaTopicMetadata], KafkaError>?
    /// ``KafkaConsumer/hasJoinedGroup``.
    public var hasJoinedGroup: Bool
    /// Whether the worker was asked to stop (``ClassificationWorker/requestStop()``).
    public var isDraining: Bool

    /// Creates the observation from its parts (see the properties).
    public init(
        metadata: Result<[KafkaTopicMetadata], KafkaError>?, hasJoinedGroup: Bool, isDraining: Bool = false
    ) {
        self.metadata = metadata
        self.hasJoinedGroup = hasJoinedGroup
        self.isDraining = isDraining
    }
}
