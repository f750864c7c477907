import Kafka

/// The readiness rule: turns a ``ReadinessObservation`` into ``Readiness``.
///
/// In order: draining → `draining`; no metadata answer yet → `starting`; a failed metadata
/// request → brokers unreachable; then the input, output, dead-letter and (when set) review
/// topics, in that order, each present and without an error; then the group membership. A worker whose
/// assignment is empty (more members than partitions) is ready.
public struct ReadinessCheck: Sendable, Hashable {
    /// The brokers the worker was pointed at (named in the reason when they are unreachable).
    public var bootstrapServers: [String]
    /// The consumer group (named while joining).
    public var groupID: String
    /// The topics the worker needs, in the order they are checked.
    public var topics: [(role: WorkerTopicRole, name: String)] {
        [(.input, inputTopic), (.output, outputTopic), (.deadLetter, deadLetterTopic)]
            + (reviewTopic.map { [(.review, $0)] } ?? [])
    }
    /// `input_topic`.
    public var inputTopic: String
    /// `output_topic`.
    public var outputTopic: String
    /// `dead_letter_topic`.
    public var deadLetterTopic: String
    /// `review_topic`, when set.
    public var reviewTopic: String?

    /// Creates the rule from its parts (see the properties).
    public init(
        bootstrapServers: [String], groupID: String, inputTopic: String, outputTopic: String,
        deadLetterTopic: String, reviewTopic: String? = nil
    ) {
        self.reviewTopic = reviewTopic
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.inputTopic = inputTopic
        self.outputTopic = outputTopic
        self.deadLetterTopic = deadLetterTopic
    }

    /// The rule for a worker configuration.
    public init(_ configuration: WorkerConfiguration) {
        self.init(
            bootstrapServers: configuration.bootstrapServers, groupID: configuration.groupID,
            inputTopic: configuration.inputTopic, outputTopic: configuration.outputTopic,
            deadLetterTopic: configuration.deadLetterTopic, reviewTopic: configuration.reviewTopic)
    }

    /// The names of the topics, for the metadata request.
    public var topicNames: [String] { topics.map(\.name) }

    /// The readiness that `observation` shows.
    public func evaluate(_ observation: ReadinessObservation) -> Readiness {
        if observation.isDraining { return .notReady(.draining) }
        switch observation.metadata {
        case nil:
            return .notReady(.starting)
        case .failure(let error):
            return .notReady(.brokersUnreachable(bootstrapServers: bootstrapServers, error: error))
        case .success(let described):
            if let problem = topicProblem(in: described) { return .notReady(problem) }
        }
        return observation.hasJoinedGroup ? .ready : .notReady(.joiningGroup(groupID))
    }

    /// The first of the topics that is missing or has an error in `described`.
    public func topicProblem(in described: [KafkaTopicMetadata]) -> NotReadyReason? {
        let byName = Dictionary(described.map { ($0.name, $0) }) { first, _ in first }
        for (role, name) in topics {
            guard let topic = byName[name] else { return .topicMissing(role, name: name) }
            if let error = topic.error { return .topicUnavailable(role, name: name, error: error) }
        }
        return nil
    }
}
