import Testing
import Worker

@Suite struct WorkerSettingTests {
    @Test func everySettingHasAMeaningAndADefault() {
        for setting in WorkerSetting.all {
            #expect(!setting.summary.isEmpty, "\(setting.key) has a summary")
            #expect(setting.summary.hasSuffix("."), "\(setting.key)'s summary is a sentence")
            #expect(!setting.defaultDescription.isEmpty, "\(setting.key) states its default")
            #expect(setting.isBoolean == setting.valueName.isEmpty, "\(setting.key): a value name unless a boolean")
        }
    }

    @Test func keysFlagsAndVariablesAreUniqueAndFollowTheKey() {
        let keys = WorkerSetting.all.map(\.key)
        #expect(Set(keys).count == keys.count)
        #expect(WorkerConfiguration.keys == keys)
        for setting in WorkerSetting.all {
            #expect(setting.key.allSatisfy { $0.isLowercase || $0 == "_" })
            #expect(setting.flag == "--" + setting.key.replacingOccurrences(of: "_", with: "-"))
            #expect(setting.environmentVariable == "NEWSCLF_" + setting.key.uppercased())
        }
    }

    @Test func theCommitIntervalIsASetting() {
        let setting = WorkerSetting.named("commit_interval_ms")
        #expect(setting?.defaultDescription == "1000")
        #expect(setting?.valueName == "<ms>")
    }

    @Test func theDefaultsResolveToAValidConfiguration() throws {
        let configuration = try WorkerConfiguration.resolve(flags: ["embedded_broker": "true"], environment: [:], hostName: "h")
        #expect(configuration.groupID == "newsclf-worker")
        #expect(configuration.instance == "default")
        #expect(configuration.transactionalID == "newsclf-h-default")
        #expect(configuration.maxInFlight == 4096)
        #expect(configuration.drainTimeout == .seconds(30))
        #expect(configuration.logLevel == "info")
        #expect(!configuration.createTopics)
    }
}
