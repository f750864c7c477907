import Kafka
import Logging

/// The broker of a demo run with the run's three topics: librdkafka's mock cluster started in this
/// process, or an external cluster (topics created when absent).
struct DemoBroker {
    /// `host:port[,…]` for every client of the run.
    let bootstrapServers: String
    /// librdkafka properties for every client of the run, the worker's included: the configured
    /// ones, plus on the mock the short fetch wait and session timeout it needs.
    let clientProperties: [String: String]
    /// One line for the console.
    let summary: String
    private let mockCluster: KafkaMockCluster?

    /// Starts or connects to the broker and creates the topics.
    /// - Throws: ``DemoError/kafka(_:_:)`` when the cluster cannot be started or reached, or a topic
    ///   cannot be created.
    static func prepare(_ configuration: DemoConfiguration, logger: Logger) async throws(DemoError) -> DemoBroker {
        let topics = [configuration.inputTopic, configuration.outputTopic, configuration.deadLetterTopic]
        do throws(KafkaError) {
            switch configuration.broker {
            case .embedded:
                var quiet = logger
                quiet.logLevel = max(logger.logLevel, .warning)
                let cluster = try KafkaMockCluster(brokerCount: 1, logger: quiet)
                for topic in topics { try cluster.createTopic(topic, partitions: configuration.partitions) }
                // Short fetch wait and group timers, for the mock (KAFKA-TESTING.md); given ones win.
                let properties = configuration.kafkaProperties.merging(
                    KafkaMockCluster.recommendedConsumerProperties) { given, _ in given }
                return DemoBroker(
                    bootstrapServers: cluster.bootstrapServers, clientProperties: properties,
                    summary: "broker: embedded (librdkafka's mock cluster) on \(cluster.bootstrapServers)", mockCluster: cluster)
            case .external(let servers):
                var admin = KafkaAdminConfiguration(bootstrapServers: [servers])
                admin.properties = configuration.kafkaProperties
                let client = try KafkaAdminClient(configuration: admin, logger: logger)
                let outcomes = try await client.createTopics(
                    topics.map { KafkaNewTopic(name: $0, partitions: configuration.partitions, replicationFactor: -1) },
                    timeout: .seconds(30))
                let created = outcomes.filter { if case .created = $0 { true } else { false } }.count
                return DemoBroker(
                    bootstrapServers: servers, clientProperties: configuration.kafkaProperties,
                    summary: "broker: \(servers) (external; topics: \(created) created, \(topics.count - created) existed)",
                    mockCluster: nil)
            }
        } catch where error.code == .timedOut && error.operation == "create topics" {
            throw .kafka(
                "creating the topics \(topics.joined(separator: ", ")) (a broker without the CreateTopics API, such as librdkafka's mock cluster that `newsclf dev-broker` runs, cannot; name topics it has with --input-topic, --output-topic and --dead-letter-topic)",
                error.description)
        } catch {
            throw .kafka("preparing the broker and topics", error.description)
        }
    }

    /// The partition ids of `topic`, from the cluster's metadata.
    /// - Throws: ``DemoError/kafka(_:_:)`` when the metadata cannot be read or the topic is absent.
    func partitions(of topic: String, logger: Logger) async throws(DemoError) -> [Int32] {
        do throws(KafkaError) {
            var admin = KafkaAdminConfiguration(bootstrapServers: [bootstrapServers])
            admin.properties = clientProperties
            let client = try KafkaAdminClient(configuration: admin, logger: logger)
            let metadata = try await client.metadata(topics: [topic], timeout: .seconds(30))
            guard let found = metadata.first, !found.partitions.isEmpty else {
                throw KafkaError(code: .unknownTopic, operation: "metadata", topic: topic)
            }
            return found.partitions.map(\.id)
        } catch {
            throw .kafka("reading the partitions of \(topic)", error.description)
        }
    }

    /// Stops the embedded cluster (nothing for an external one).
    func stop() {
        mockCluster?.stop()
    }
}
