import Foundation
import Testing
import Worker

/// `shadow_model`, `shadow_topic` and `shadow_sample_rate`: defaults, layers, bad values.
@Suite struct WorkerConfigurationShadowTests {
    static func resolve(_ arguments: [String], file: String? = nil, environment: [String: String] = [:]) throws
        -> WorkerConfiguration
    {
        try WorkerConfigurationTests.resolve(["--bootstrap-servers", "b:1"] + arguments, file: file, environment: environment)
    }

    @Test func offByDefault() throws {
        let configuration = try Self.resolve([])
        #expect(configuration.shadowModel == nil)
        #expect(configuration.shadowTopic == nil)
        #expect(configuration.shadowSampleRate == 1)
        #expect(configuration.redactedDescription.contains("shadow_model=\n"))
        #expect(!WorkerTopics(configuration).names.contains(""))
    }

    @Test func everyLayerSetsTheShadow() throws {
        let flags = try Self.resolve([
            "--shadow-model", "/var/lib/newsclf/models/shadow", "--shadow-topic", "news.shadow",
            "--shadow-sample-rate", "0.25",
        ])
        #expect(flags.shadowModel == "/var/lib/newsclf/models/shadow")
        #expect(flags.shadowTopic == "news.shadow")
        #expect(flags.shadowSampleRate == 0.25)
        #expect(WorkerTopics(flags).names.last == "news.shadow", "created with the others by create_topics")
        let file = try Self.resolve([], file: #"{"shadow_model": "m", "shadow_sample_rate": 0.5}"#)
        #expect(file.shadowModel == "m" && file.shadowSampleRate == 0.5)
        let environment = try Self.resolve([], environment: ["NEWSCLF_SHADOW_SAMPLE_RATE": "1", "NEWSCLF_SHADOW_MODEL": " "])
        #expect(environment.shadowSampleRate == 1)
        #expect(environment.shadowModel == nil, "blank: no shadow")
    }

    @Test(arguments: ["0", "1.5", "-0.1", "nan", "inf", "half"])
    func aSampleRateOutsideTheUnitIntervalIsAnErrorNamingTheKeyAndValue(_ value: String) throws {
        let error = try #require(throws: WorkerConfigurationError.self) { try Self.resolve(["--shadow-sample-rate", value]) }
        #expect(error.key == "shadow_sample_rate")
        #expect(error.source == "flag --shadow-sample-rate")
        #expect(error.problem == "\"\(value)\" is not a share in (0, 1]")
    }

    @Test func theShadowTopicMustDifferFromTheOthers() throws {
        let error = try #require(throws: WorkerConfigurationError.self) {
            try Self.resolve(["--output-topic", "news.labels", "--shadow-topic", "news.labels"])
        }
        #expect(error.key == "shadow_topic")
        #expect(error.problem.contains("is also the output_topic"), "\(error)")
    }
}
