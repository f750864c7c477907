import Classification
import Foundation
import Kafka
import Testing
import Worker

/// `abstain_below`, `abstain_below_per_label` and `review_topic`: defaults, every layer, and the
/// bad values (named with their key and where they came from).
@Suite struct WorkerConfigurationAbstainTests {
    static func resolve(_ arguments: [String], file: String? = nil, environment: [String: String] = [:]) throws
        -> WorkerConfiguration
    {
        try WorkerConfigurationTests.resolve(["--bootstrap-servers", "b:1"] + arguments, file: file, environment: environment)
    }

    @Test func offByDefaultWithoutAReviewTopic() throws {
        let configuration = try Self.resolve([])
        #expect(configuration.abstainPolicy == .off)
        #expect(configuration.reviewTopic == nil)
        #expect(configuration.redactedDescription.contains("abstain_below=\n"))
        #expect(configuration.redactedDescription.contains("review_topic=\n"))
    }

    @Test func flagsSetTheThresholdsAndTheReviewTopic() throws {
        let configuration = try Self.resolve([
            "--abstain-below", "0.55", "--abstain-below-per-label", "Business=0.7, Sci/Tech=0.65",
            "--review-topic", "news.review",
        ])
        #expect(configuration.abstainPolicy == (try AbstainPolicy(threshold: 0.55, perLabel: ["Business": 0.7, "Sci/Tech": 0.65])))
        #expect(configuration.reviewTopic == "news.review")
        #expect(configuration.redactedDescription.contains("abstain_below_per_label=Business=0.7,Sci/Tech=0.65"))
    }

    @Test func theFileTakesPerLabelThresholdsAsAnObjectAndTheEnvironmentAsText() throws {
        let fromFile = try Self.resolve(
            [], file: #"{"abstain_below": 0.6, "abstain_below_per_label": {"Sports": 0.9, "World": "0.7"}, "review_topic": "r"}"#)
        #expect(fromFile.abstainPolicy == (try AbstainPolicy(threshold: 0.6, perLabel: ["Sports": 0.9, "World": 0.7])))
        #expect(fromFile.reviewTopic == "r")
        let fromEnvironment = try Self.resolve(
            [], environment: ["NEWSCLF_ABSTAIN_BELOW": "0.4", "NEWSCLF_ABSTAIN_BELOW_PER_LABEL": "World=0.5"])
        #expect(fromEnvironment.abstainPolicy == (try AbstainPolicy(threshold: 0.4, perLabel: ["World": 0.5])))
    }

    @Test(arguments: ["0", "1", "1.5", "-0.2", "nan", "inf", "high"])
    func aThresholdOutsideTheOpenUnitIntervalIsAnErrorNamingTheKeyAndValue(_ value: String) throws {
        let error = try #require(throws: WorkerConfigurationError.self) { try Self.resolve(["--abstain-below", value]) }
        #expect(error.key == "abstain_below")
        #expect(error.source == "flag --abstain-below")
        #expect(error.problem == "\"\(value)\" is not a probability strictly between 0 and 1")
    }

    @Test func aBadPerLabelValueIsAnErrorNamingTheEntry() throws {
        let outOfRange = try #require(throws: WorkerConfigurationError.self) {
            try Self.resolve([], environment: ["NEWSCLF_ABSTAIN_BELOW_PER_LABEL": "Business=1.2"])
        }
        #expect(outOfRange.key == "abstain_below_per_label")
        #expect(outOfRange.source == "environment NEWSCLF_ABSTAIN_BELOW_PER_LABEL")
        #expect(outOfRange.description.contains("abstain_below_per_label.Business: 1.2 is not a probability"), "\(outOfRange)")
        let malformed = try #require(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--abstain-below-per-label", "Business:0.7"])
        }
        #expect(malformed.problem.contains("\"Business:0.7\" is not Label=probability"), "\(malformed)")
        let notANumber = try #require(throws: WorkerConfigurationError.self) {
            try Self.resolve([], file: #"{"abstain_below_per_label": {"Sports": true}}"#)
        }
        #expect(notANumber.key == "abstain_below_per_label.Sports")
    }

    @Test func theReviewTopicMustDifferFromTheOthers() throws {
        let error = try #require(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--review-topic", "news.labels"])
        }
        #expect(error.key == "review_topic")
        #expect(error.problem.contains("is also the output_topic"), "\(error)")
    }

    @Test func theReviewTopicIsCheckedForReadinessAndCreatedWithTheOthers() throws {
        let configuration = try Self.resolve(["--review-topic", "news.review"])
        #expect(ReadinessCheck(configuration).topicNames == ["news.raw", "news.labels", "news.raw.dlq", "news.review"])
        #expect(WorkerTopics(configuration).names == ["news.raw", "news.labels", "news.raw.dlq", "news.review"])
        let missing = ReadinessCheck(configuration).topicProblem(
            in: ["news.raw", "news.labels", "news.raw.dlq"].map { ReadinessCheckTests.topic($0) })
        #expect(missing == .topicMissing(.review, name: "news.review"))
        #expect(ReadinessCheck(try Self.resolve([])).topicNames.count == 3, "no review topic: three topics")
    }
}
