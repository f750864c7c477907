import Kafka

extension WorkerConfiguration {
    /// The admin client's settings (topic creation, the readiness checks' metadata requests):
    /// the bootstrap servers and the ``adminProperties``.
    public var adminConfiguration: KafkaAdminConfiguration {
        var admin = KafkaAdminConfiguration(bootstrapServers: bootstrapServers)
        admin.properties = adminProperties
        return admin
    }
}
