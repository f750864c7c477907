import ArgumentParser
import Testing
import Worker

@Suite struct WorkerOptionsTests {
    static func flags(_ arguments: [String]) throws -> [String: String] {
        try WorkerOptions.parse(arguments).flagValues()
    }

    @Test func settingsAreCollectedInEverySpelling() throws {
        let values = try Self.flags([
            "--batch-max-size", "8", "--group-id=g", "--create-topics", "--no-embedded-broker",
            "--metrics-address", "", "--print-config", "--kafka", "acks=all",
        ])
        #expect(
            values == [
                "batch_max_size": "8", "group_id": "g", "create_topics": "true", "embedded_broker": "false",
                "metrics_address": "",
            ])
        let options = try WorkerOptions.parse(["--kafka", "acks=all", "--kafka", "linger.ms=5", "--print-config"])
        #expect(options.printConfig)
        #expect(try options.kafkaFlagValues() == ["acks": "all", "linger.ms": "5"])
    }

    @Test func aFlagGivenTwiceKeepsItsLastValue() throws {
        #expect(try Self.flags(["--group-id", "a", "--group-id", "b"]) == ["group_id": "b"])
        #expect(try Self.flags(["--create-topics", "--no-create-topics"]) == ["create_topics": "false"])
    }

    @Test func anUnknownFlagIsAnErrorNamingIt() throws {
        let error = #expect(throws: WorkerConfigurationError.self) { try Self.flags(["--batch-size", "3"]) }
        #expect(error?.key == "batch_size")
        #expect(error?.source == "flag --batch-size")
        #expect(error?.problem.hasPrefix("unknown setting") == true)
        let resolved = #expect(throws: WorkerConfigurationError.self) {
            try WorkerOptions.parse(["--bootstrap-servers", "b:1", "--no-such-thing"]).resolve(environment: [:])
        }
        #expect(resolved?.source == "flag --no-such-thing")
    }

    @Test func aFlagSpelledWithUnderscoresIsUnknown() throws {
        #expect(throws: WorkerConfigurationError.self) { try Self.flags(["--batch_max_size", "3"]) }
    }

    @Test func aSettingFlagWithoutItsValueIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) { try Self.flags(["--group-id"]) }
        #expect(error?.key == "group_id")
        #expect(error?.problem.hasPrefix("needs a value") == true)
        #expect(throws: WorkerConfigurationError.self) { try Self.flags(["--group-id", "--create-topics"]) }
    }

    @Test func aStrayWordIsAnError() throws {
        let error = #expect(throws: WorkerConfigurationError.self) { try Self.flags(["--create-topics", "yes"]) }
        #expect(error?.key == "yes")
    }

    @Test func aBooleanFlagTakesAnInlineValue() throws {
        #expect(try Self.flags(["--create-topics=false"]) == ["create_topics": "false"])
    }

    @Test func helpListsEverySettingWithItsFlagAndDefault() {
        let help = WorkerOptions.helpMessage(columns: 200)
        for setting in WorkerSetting.all {
            #expect(help.contains(setting.flag), "\(setting.flag) in --help")
            #expect(help.contains(setting.summary), "\(setting.key)'s meaning in --help")
        }
        #expect(help.contains("--no-create-topics"))
        #expect(help.contains("--kafka"))
        #expect(help.contains("Default: 64."))
        #expect(help.contains("Default: 1000."))
    }
}
