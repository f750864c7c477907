import Kafka
import Testing

@Suite struct KafkaRedactionTests {
    // librdkafka's CONFIGURATION.md marks these properties sensitive.
    @Test(arguments: [
        "sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem", "ssl_key",
        "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config", "SASL.PASSWORD",
    ])
    func secretPropertiesAreMasked(name: String) {
        #expect(KafkaRedaction.isSensitive(name))
        let redacted = KafkaRedaction.redacted([name: "hunter2", "bootstrap.servers": "b:9092"])
        #expect(redacted[name] == KafkaRedaction.mask)
        #expect(redacted["bootstrap.servers"] == "b:9092")
    }

    @Test(arguments: [
        "bootstrap.servers", "sasl.username", "sasl.mechanisms", "security.protocol",
        "ssl.ca.location", "group.id",
    ])
    func ordinaryPropertiesAreKept(name: String) {
        #expect(!KafkaRedaction.isSensitive(name))
        #expect(KafkaRedaction.redacted([name: "value"])[name] == "value")
    }

    @Test func describeSortsAndMasks() {
        let text = KafkaRedaction.describe([
            "sasl.username": "svc", "bootstrap.servers": "b:9092", "sasl.password": "hunter2",
        ])
        #expect(
            text == "bootstrap.servers=b:9092\nsasl.password=\(KafkaRedaction.mask)\nsasl.username=svc")
        #expect(!text.contains("hunter2"))
    }

    @Test func consumerConfigurationPrintsWithoutItsSecrets() {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["b:9092"], groupID: "g")
        configuration.properties["sasl.password"] = "hunter2"
        let text = KafkaRedaction.describe(configuration.librdkafkaProperties)
        #expect(!text.contains("hunter2"))
        #expect(text.contains("group.id=g"))
    }
}
