import Kafka
import Testing
import Worker

/// The rebalance settings, `partition_assignment` (``PartitionAssignment``) and
/// `static_membership`, as the consumer gets them.
@Suite struct PartitionAssignmentTests {
    static func resolve(_ flags: [String: String], kafka: [String: String] = [:]) throws -> WorkerConfiguration {
        try WorkerConfiguration.resolve(
            flags: ["bootstrap_servers": "b:1"].merging(flags) { $1 }, kafkaFlags: kafka, environment: [:],
            hostName: "host1")
    }

    @Test func theDefaultIsEagerAndDynamic() throws {
        let configuration = try Self.resolve([:])
        #expect(configuration.partitionAssignment == .eager)
        #expect(!configuration.staticMembership)
        let properties = configuration.consumerConfiguration.librdkafkaProperties
        #expect(properties["partition.assignment.strategy"] == "range,roundrobin", "librdkafka's own default")
        #expect(properties["group.instance.id"] == nil)
    }

    @Test func cooperativeStickyIsTheIncrementalAssignor() throws {
        let configuration = try Self.resolve(["partition_assignment": "cooperative_sticky"])
        #expect(configuration.consumerConfiguration.librdkafkaProperties["partition.assignment.strategy"] == "cooperative-sticky")
    }

    @Test func staticMembershipUsesTheTransactionalID() throws {
        let configuration = try Self.resolve(["static_membership": "true", "instance": "3"])
        #expect(configuration.groupInstanceID == "newsclf-host1-3")
        #expect(configuration.consumerConfiguration.librdkafkaProperties["group.instance.id"] == "newsclf-host1-3")
        let named = try Self.resolve(["static_membership": "true", "transactional_id": "worker-7"])
        #expect(named.consumerConfiguration.librdkafkaProperties["group.instance.id"] == "worker-7")
        #expect(
            named.producerConfiguration.librdkafkaProperties["group.instance.id"] == nil, "a consumer property only")
    }

    @Test func anUnknownAssignmentIsRefused() {
        #expect(throws: WorkerConfigurationError.self) { try Self.resolve(["partition_assignment": "roundrobin"]) }
    }

    @Test func theLibrdkafkaPropertiesAreRefusedNamingTheSetting() {
        for (property, setting) in [
            ("partition.assignment.strategy", "partition_assignment"), ("group.instance.id", "static_membership"),
        ] {
            let error = #expect(throws: WorkerConfigurationError.self) { try Self.resolve([:], kafka: [property: "x"]) }
            #expect(error?.key == "kafka.\(property)")
            #expect(error?.problem.contains(setting) == true)
        }
    }
}
