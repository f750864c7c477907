/// A topic as the cluster describes it in a metadata response.
public struct KafkaTopicMetadata: Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// Its partitions, by id.
    public var partitions: [Partition]
    /// The broker's error for this topic (e.g. ``KafkaError/Code/leaderNotAvailable`` while it is
    /// being created), `nil` when there is none.
    public var error: KafkaError?

    /// Creates the value from its parts (see the properties).
    public init(name: String, partitions: [Partition], error: KafkaError?) {
        self.name = name
        self.partitions = partitions
        self.error = error
    }

    /// One partition of the topic.
    public struct Partition: Sendable, Hashable {
        /// The partition number.
        public var id: Int32
        /// The broker id of the leader, `-1` when there is none.
        public var leader: Int32
        /// The broker ids holding a replica.
        public var replicas: [Int32]
        /// The broker ids of the in-sync replicas.
        public var inSyncReplicas: [Int32]

        /// Creates the value from its parts (see the properties).
        public init(id: Int32, leader: Int32, replicas: [Int32], inSyncReplicas: [Int32]) {
            self.id = id
            self.leader = leader
            self.replicas = replicas
            self.inSyncReplicas = inSyncReplicas
        }
    }
}
