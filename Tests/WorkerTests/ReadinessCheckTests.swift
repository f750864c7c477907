import Kafka
import Testing
import Worker

@Suite struct ReadinessCheckTests {
    static let check = ReadinessCheck(
        bootstrapServers: ["127.0.0.1:1"], groupID: "g", inputTopic: "news.raw", outputTopic: "news.labels",
        deadLetterTopic: "news.raw.dlq")

    static func topic(_ name: String, partitions: Int32 = 4, error: KafkaError? = nil) -> KafkaTopicMetadata {
        KafkaTopicMetadata(
            name: name,
            partitions: (0..<partitions).map { .init(id: $0, leader: 1, replicas: [1], inSyncReplicas: [1]) },
            error: error)
    }

    static let allTopics = [topic("news.raw"), topic("news.labels"), topic("news.raw.dlq")]

    @Test func readyWhenTheTopicsExistAndTheGroupWasJoined() {
        let readiness = Self.check.evaluate(.init(metadata: .success(Self.allTopics), hasJoinedGroup: true))
        #expect(readiness == .ready)
        #expect(readiness.description == "ready")
    }

    @Test func aMemberWithoutPartitionsIsReady() {
        // Joined with an empty assignment (more members than partitions): ready and idle.
        let topics = [Self.topic("news.raw", partitions: 1), Self.topic("news.labels"), Self.topic("news.raw.dlq")]
        #expect(Self.check.evaluate(.init(metadata: .success(topics), hasJoinedGroup: true)) == .ready)
    }

    @Test func startingBeforeTheFirstMetadataAnswer() {
        let readiness = Self.check.evaluate(.init(metadata: nil, hasJoinedGroup: false))
        #expect(readiness == .notReady(.starting))
        #expect(readiness.description == "starting")
    }

    @Test func unreachableBrokersNameTheServersAndTheError() {
        let error = KafkaError(code: .transport, message: "Connection refused", operation: "metadata")
        let readiness = Self.check.evaluate(.init(metadata: .failure(error), hasJoinedGroup: true))
        #expect(readiness == .notReady(.brokersUnreachable(bootstrapServers: ["127.0.0.1:1"], error: error)))
        #expect(readiness.description == "brokers unreachable (127.0.0.1:1): _TRANSPORT: Connection refused")
    }

    @Test func aMissingInputTopicIsNamed() {
        let readiness = Self.check.evaluate(
            .init(metadata: .success([Self.topic("news.labels"), Self.topic("news.raw.dlq")]), hasJoinedGroup: true))
        #expect(readiness.description == "input topic \"news.raw\" does not exist")
    }

    @Test func aMissingOutputOrDeadLetterTopicIsNamed() {
        let noOutput = Self.check.evaluate(
            .init(metadata: .success([Self.topic("news.raw"), Self.topic("news.raw.dlq")]), hasJoinedGroup: true))
        #expect(noOutput.description == "output topic \"news.labels\" does not exist")
        let noDeadLetters = Self.check.evaluate(
            .init(metadata: .success([Self.topic("news.raw"), Self.topic("news.labels")]), hasJoinedGroup: true))
        #expect(noDeadLetters.description == "dead-letter topic \"news.raw.dlq\" does not exist")
    }

    @Test func aTopicWithAnErrorIsUnavailable() {
        let denied = KafkaError(code: .topicAuthorizationFailed, message: "denied", operation: "metadata")
        let topics = [Self.topic("news.raw", error: denied), Self.topic("news.labels"), Self.topic("news.raw.dlq")]
        let readiness = Self.check.evaluate(.init(metadata: .success(topics), hasJoinedGroup: true))
        #expect(readiness.description == "input topic \"news.raw\" is unavailable: TOPIC_AUTHORIZATION_FAILED: denied")
    }

    @Test func joiningTheGroupComesAfterTheTopics() {
        let joining = Self.check.evaluate(.init(metadata: .success(Self.allTopics), hasJoinedGroup: false))
        #expect(joining.description == "joining consumer group \"g\"")
        let missing = Self.check.evaluate(.init(metadata: .success([]), hasJoinedGroup: false))
        #expect(missing.description == "input topic \"news.raw\" does not exist", "a topic problem comes first")
    }

    @Test func drainingWinsOverEverything() {
        let error = KafkaError(code: .transport, operation: "metadata")
        #expect(Self.check.evaluate(.init(metadata: .failure(error), hasJoinedGroup: false, isDraining: true)) == .notReady(.draining))
        #expect(Self.check.evaluate(.init(metadata: .success(Self.allTopics), hasJoinedGroup: true, isDraining: true)).description == "draining")
    }

    @Test func onlyBrokersAndTopicsFailTheStart() {
        let error = KafkaError(code: .transport, operation: "metadata")
        #expect(NotReadyReason.brokersUnreachable(bootstrapServers: [], error: error).failsStartup)
        #expect(NotReadyReason.topicMissing(.input, name: "x").failsStartup)
        #expect(NotReadyReason.topicUnavailable(.output, name: "x", error: error).failsStartup)
        #expect(!NotReadyReason.joiningGroup("g").failsStartup)
        #expect(!NotReadyReason.starting.failsStartup)
        #expect(!NotReadyReason.draining.failsStartup)
    }

    @Test func aReasonsKindLeavesOutItsDetails() {
        let refused = KafkaError(code: .transport, message: "Connection refused", operation: "metadata")
        let timedOut = KafkaError(code: .timedOut, operation: "metadata")
        #expect(
            NotReadyReason.brokersUnreachable(bootstrapServers: ["a:1"], error: refused).kind
                == NotReadyReason.brokersUnreachable(bootstrapServers: ["a:1"], error: timedOut).kind)
        #expect(NotReadyReason.topicMissing(.input, name: "x").kind != NotReadyReason.topicMissing(.output, name: "y").kind)
    }
}
