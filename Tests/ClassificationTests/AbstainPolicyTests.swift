import Classification
import Testing

/// The abstain rule: strictly below the top label's threshold (its own, else the default).
@Suite struct AbstainPolicyTests {
    static let labels = ["World", "Sports", "Business", "Sci/Tech"]

    static func prediction(_ probabilities: [Float]) -> Prediction {
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        return Prediction(labelID: best, label: labels[best], probabilities: probabilities, truncated: false)
    }

    @Test func offNeverAbstains() {
        #expect(AbstainPolicy.off.isOff)
        #expect(!AbstainPolicy.off.abstains(Self.prediction([0.26, 0.25, 0.25, 0.24])))
    }

    @Test func belowTheThresholdAbstainsAndAtItDoesNot() throws {
        let policy = try AbstainPolicy(threshold: 0.5)
        #expect(!policy.isOff)
        #expect(policy.abstains(Self.prediction([0.49, 0.21, 0.2, 0.1])))
        #expect(!policy.abstains(Self.prediction([0.5, 0.2, 0.2, 0.1])), "at the threshold: answered")
        #expect(!policy.abstains(Self.prediction([0.1, 0.8, 0.05, 0.05])))
    }

    @Test func aPerLabelThresholdOverridesTheDefaultForItsTopLabelOnly() throws {
        let policy = try AbstainPolicy(threshold: 0.5, perLabel: ["Business": 0.9])
        #expect(policy.threshold(for: "Business") == 0.9)
        #expect(policy.threshold(for: "World") == 0.5)
        #expect(policy.abstains(Self.prediction([0.05, 0.05, 0.85, 0.05])), "Business at 0.85 < 0.9")
        #expect(!policy.abstains(Self.prediction([0.85, 0.05, 0.05, 0.05])), "World at 0.85 ≥ 0.5")
        let onlyPerLabel = try AbstainPolicy(perLabel: ["Sci/Tech": 0.7])
        #expect(onlyPerLabel.abstains(Self.prediction([0.1, 0.1, 0.2, 0.6])))
        #expect(!onlyPerLabel.abstains(Self.prediction([0.6, 0.1, 0.2, 0.1])), "no default: World never abstains")
    }

    @Test(arguments: [Float(0), 1, -0.1, 1.5, .nan, .infinity])
    func thresholdsOutsideTheOpenUnitIntervalAreRefusedNamingTheKey(_ value: Float) {
        #expect(throws: AbstainPolicyError.thresholdOutOfRange(key: "abstain_below", value: "\(value)")) {
            try AbstainPolicy(threshold: value)
        }
        #expect(throws: AbstainPolicyError.thresholdOutOfRange(key: "abstain_below_per_label.World", value: "\(value)")) {
            try AbstainPolicy(perLabel: ["World": value])
        }
    }

    @Test func thePerLabelTextParsesAndPrintsBack() throws {
        let parsed = try AbstainPolicy.parsePerLabel(" Business = 0.7 , Sci/Tech=0.6,")
        #expect(parsed == ["Business": 0.7, "Sci/Tech": 0.6])
        #expect(AbstainPolicy.perLabelText(parsed) == "Business=0.7,Sci/Tech=0.6")
        #expect(try AbstainPolicy.parsePerLabel("") == [:])
    }

    @Test(arguments: ["Business", "=0.5", "Business=high", "Business=0.5,Business=0.6"])
    func aMalformedPerLabelEntryIsRefusedNamingIt(_ text: String) throws {
        let error = try #require(throws: AbstainPolicyError.self) { try AbstainPolicy.parsePerLabel(text) }
        guard case .malformedPerLabel(let key, _) = error else {
            Issue.record("expected malformedPerLabel, got \(error)")
            return
        }
        #expect(key == "abstain_below_per_label")
    }

    @Test func anOutOfRangePerLabelValueIsReportedAsGiven() {
        #expect(throws: AbstainPolicyError.thresholdOutOfRange(key: "abstain_below_per_label.Business", value: "1.0")) {
            try AbstainPolicy.parsePerLabel("Business=1.0")
        }
    }

    @Test func aPerLabelThresholdForAnUnknownLabelFailsValidationNamingTheModelsLabels() throws {
        let policy = try AbstainPolicy(perLabel: ["Politics": 0.6, "World": 0.5])
        let error = try #require(throws: AbstainPolicyError.self) { try policy.validate(labels: Self.labels) }
        #expect(error == .unknownLabel(key: "abstain_below_per_label", label: "Politics", labels: Self.labels))
        #expect(error.description == #"abstain_below_per_label: "Politics" is not a label of the model (its labels: World, Sports, Business, Sci/Tech)"#)
        try AbstainPolicy(perLabel: ["World": 0.5]).validate(labels: Self.labels)
    }
}
