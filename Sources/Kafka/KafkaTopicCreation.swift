/// What ``KafkaAdminClient/createTopics(_:timeout:)`` did with one topic.
public enum KafkaTopicCreation: Sendable, Hashable {
    /// The topic was created.
    case created(String)
    /// A topic of that name existed already (its settings were not checked or changed).
    case alreadyExists(String)

    /// The topic name.
    public var topic: String {
        switch self {
        case .created(let name), .alreadyExists(let name): name
        }
    }
}
