import Kafka
import Testing

@Suite struct KafkaProducerConfigurationTests {
    @Test func defaultsAreIdempotentWithAllAcknowledgements() {
        let properties = KafkaProducerConfiguration(bootstrapServers: ["a:9092"]).librdkafkaProperties
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
        #expect(properties["linger.ms"] == "5")
        #expect(properties["compression.codec"] == "none")
        #expect(properties["transactional.id"] == nil)
        // Left to librdkafka, which ties it to transaction.timeout.ms when transactional.
        #expect(properties["message.timeout.ms"] == nil)
    }

    @Test func transactionalSettingsPassThrough() {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["a:9092"])
        configuration.transactionalID = "newsclf-host-1"
        configuration.transactionTimeout = .seconds(30)
        configuration.messageTimeout = .seconds(20)
        configuration.compression = .zstd
        let properties = configuration.librdkafkaProperties
        #expect(properties["transactional.id"] == "newsclf-host-1")
        #expect(properties["transaction.timeout.ms"] == "30000")
        #expect(properties["message.timeout.ms"] == "20000")
        #expect(properties["compression.codec"] == "zstd")
    }

    @Test func rawPropertiesWinOverTypedOnes() {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["a:9092"])
        configuration.properties["enable.idempotence"] = "false"
        #expect(configuration.librdkafkaProperties["enable.idempotence"] == "false")
    }
}
