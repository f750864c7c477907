import Kafka
import Testing

@Suite struct KafkaErrorTests {
    // Expected names are the symbols of rdkafka.h (`RD_KAFKA_RESP_ERR_<name>`).
    @Test(arguments: [
        (KafkaError.Code.unknownTopicOrPartition, "UNKNOWN_TOPIC_OR_PART"),
        (.timedOut, "_TIMED_OUT"),
        (.queueFull, "_QUEUE_FULL"),
        (.topicAlreadyExists, "TOPIC_ALREADY_EXISTS"),
        (.rebalanceInProgress, "REBALANCE_IN_PROGRESS"),
        (.producerFenced, "PRODUCER_FENCED"),
        (.fatal, "_FATAL"),
    ])
    func codeNamesAreLibrdkafkas(code: KafkaError.Code, name: String) {
        #expect(code.name == name)
        #expect(KafkaError(code: code, operation: "test").name == name)
    }

    @Test func codeOutsideTheNamedConstantsStillHasANameAndMessage() {
        let code = KafkaError.Code(rawValue: 36)
        #expect(code == .topicAlreadyExists)
        let unknown = KafkaError.Code(rawValue: 9999)
        #expect(!unknown.name.isEmpty)
        #expect(!unknown.defaultMessage.isEmpty)
    }

    // Retriable per the Kafka protocol guide's error table, and transient local conditions.
    @Test(arguments: [
        KafkaError.Code.requestTimedOut, .notLeaderForPartition, .leaderNotAvailable,
        .notEnoughReplicas, .coordinatorLoadInProgress, .timedOut, .transport, .queueFull,
    ])
    func transientCodesAreRetriable(code: KafkaError.Code) {
        #expect(code.isRetriable)
        #expect(KafkaError(code: code, operation: "test").isRetriable)
    }

    @Test(arguments: [
        KafkaError.Code.offsetOutOfRange, .messageSizeTooLarge, .topicAlreadyExists,
        .invalidArgument, .invalidReplicationFactor, .producerFenced, .fatal,
    ])
    func permanentCodesAreNotRetriable(code: KafkaError.Code) {
        #expect(!code.isRetriable)
    }

    @Test func fatalCodeMakesTheErrorFatal() {
        #expect(KafkaError(code: .fatal, operation: "test").isFatal)
        #expect(!KafkaError(code: .timedOut, operation: "test").isFatal)
    }

    @Test func explicitClassificationOverridesTheTable() {
        let error = KafkaError(
            code: .timedOut, operation: "commit transaction", isRetriable: false,
            transactionRequiresAbort: true)
        #expect(!error.isRetriable)
        #expect(error.transactionRequiresAbort)
    }

    @Test func descriptionNamesOperationCodeTopicPartitionAndFlags() {
        let error = KafkaError(
            code: .unknownTopicOrPartition, message: "no such topic", operation: "produce",
            topic: "news.raw", partition: 3)
        #expect(
            error.description
                == "Kafka produce failed: UNKNOWN_TOPIC_OR_PART: no such topic (topic news.raw, partition 3) [retriable]"
        )
        let fatal = KafkaError(code: .fatal, message: "fenced", operation: "commit transaction")
        #expect(fatal.description == "Kafka commit transaction failed: _FATAL: fenced [fatal]")
    }

    @Test func messageDefaultsToLibrdkafkasDescription() {
        let error = KafkaError(code: .queueFull, operation: "produce")
        #expect(error.message == KafkaError.Code.queueFull.defaultMessage)
        #expect(!error.message.isEmpty)
    }
}
