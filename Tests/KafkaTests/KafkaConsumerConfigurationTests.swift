import Kafka
import Testing

@Suite struct KafkaConsumerConfigurationTests {
    @Test func defaultsCommitOnlyStoredOffsetsAndStartAtTheEarliest() {
        let properties = KafkaConsumerConfiguration(
            bootstrapServers: ["a:9092", "b:9092"], groupID: "workers"
        ).librdkafkaProperties
        #expect(properties["bootstrap.servers"] == "a:9092,b:9092")
        #expect(properties["group.id"] == "workers")
        #expect(properties["auto.offset.reset"] == "earliest")
        #expect(properties["enable.auto.commit"] == "true")
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["session.timeout.ms"] == "45000")
        #expect(properties["heartbeat.interval.ms"] == "3000")
        #expect(properties["max.poll.interval.ms"] == "300000")
        #expect(properties["partition.assignment.strategy"] == "range,roundrobin")
        #expect(properties["isolation.level"] == "read_committed")
        #expect(properties["client.id"] == nil)
    }

    @Test func typedSettingsBecomeLibrdkafkaProperties() {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["a:9092"], groupID: "g")
        configuration.clientID = "worker-1"
        configuration.sessionTimeout = .milliseconds(3000)
        configuration.heartbeatInterval = .milliseconds(300)
        configuration.partitionAssignmentStrategy = [.cooperativeSticky]
        configuration.isolationLevel = .readUncommitted
        configuration.isAutoCommitEnabled = false
        configuration.autoOffsetReset = .latest
        let properties = configuration.librdkafkaProperties
        #expect(properties["client.id"] == "worker-1")
        #expect(properties["session.timeout.ms"] == "3000")
        #expect(properties["heartbeat.interval.ms"] == "300")
        #expect(properties["partition.assignment.strategy"] == "cooperative-sticky")
        #expect(properties["isolation.level"] == "read_uncommitted")
        #expect(properties["enable.auto.commit"] == "false")
        #expect(properties["auto.offset.reset"] == "latest")
    }

    @Test func rawPropertiesWinOverTypedOnes() {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["a:9092"], groupID: "g")
        configuration.properties = ["session.timeout.ms": "6000", "security.protocol": "SASL_SSL"]
        let properties = configuration.librdkafkaProperties
        #expect(properties["session.timeout.ms"] == "6000")
        #expect(properties["security.protocol"] == "SASL_SSL")
    }

    @Test func subMillisecondDurationsRoundDownAndNegativeOnesClampToZero() {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["a:9092"], groupID: "g")
        configuration.autoCommitInterval = .microseconds(1500)
        configuration.maxPollInterval = .seconds(-5)
        let properties = configuration.librdkafkaProperties
        #expect(properties["auto.commit.interval.ms"] == "1")
        #expect(properties["max.poll.interval.ms"] == "0")
    }
}
