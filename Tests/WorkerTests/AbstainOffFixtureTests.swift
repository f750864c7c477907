import Classification
import Foundation
import JSON
import Kafka
import Testing
import TestSupport
import WireFormat
import Worker

/// With abstaining off, the feature changes no byte of any output: the label records (value,
/// key, headers) and `newsclf classify` lines are those the code wrote before abstaining existed
/// (`Fixtures/abstain-off`, written at 74388d9). With it on, a label that does not abstain is
/// unchanged too, and one that does differs only by `"abstained":true` and its header.
@Suite struct AbstainOffFixtureTests {
    struct Case {
        var input: KafkaConsumerMessage
        var id: JSONValue?
        var prediction: Prediction
        var labelValue: String
        var labelHeaders: [KafkaHeader]
        var classifyLine: String
    }

    static let directory = PackagePaths.inPackage("Tests/WorkerTests/Fixtures/abstain-off")

    static func cases() throws -> [Case] {
        let classifier = try WorkerTestSupport.classifier()
        let inputs = try String(contentsOf: directory.appendingPathComponent("input.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let expected = try String(contentsOf: directory.appendingPathComponent("expected-outputs.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        try #require(inputs.count == 240 && expected.count == 240)
        return try zip(inputs, expected).map { line, expectation in
            guard case .object(let fields) = try StrictJSONParser.parse(Array(expectation.utf8)),
                case .integer(let partition)? = fields["partition"], case .integer(let offset)? = fields["offset"],
                case .integer(let labelID)? = fields["label_id"], case .array(let bits)? = fields["probability_bits"],
                case .bool(let truncated)? = fields["truncated"], case .string(let labelValue)? = fields["label_value"],
                case .array(let headers)? = fields["label_headers"], case .string(let classifyLine)? = fields["classify_line"]
            else { throw FixtureError.malformed(String(expectation.prefix(80))) }
            let key: [UInt8]? = if case .string(let text)? = fields["key"] { Array(text.utf8) } else { nil }
            let value = Array(line.utf8)
            let probabilities = try bits.map { bit -> Float in
                guard case .string(let hex) = bit, let pattern = UInt32(hex, radix: 16) else {
                    throw FixtureError.malformed("probability_bits")
                }
                return Float(bitPattern: pattern)
            }
            let labelHeaders = try headers.map { header -> KafkaHeader in
                guard case .array(let pair) = header, pair.count == 2, case .string(let name) = pair[0],
                    case .string(let text) = pair[1]
                else { throw FixtureError.malformed("label_headers") }
                return KafkaHeader(name: name, string: text)
            }
            return Case(
                input: KafkaConsumerMessage(
                    topic: "news.raw", partition: Int32(partition), offset: offset, key: key, value: value),
                id: try NewsInput.decode(value, maxBytes: 1 << 20).get().id,
                prediction: Prediction(
                    labelID: Int(labelID), label: classifier.labels[Int(labelID)], probabilities: probabilities,
                    truncated: truncated),
                labelValue: labelValue, labelHeaders: labelHeaders, classifyLine: classifyLine)
        }
    }

    enum FixtureError: Error { case malformed(String) }

    static func label(_ fixture: Case, policy: AbstainPolicy) throws -> (record: KafkaProducerMessage, classify: [UInt8]) {
        let classifier = try WorkerTestSupport.classifier()
        let abstained = policy.abstains(fixture.prediction)
        let record = try WorkerOutput.label(
            for: fixture.input, id: fixture.id, prediction: fixture.prediction, classifier: classifier,
            topic: "news.labels", abstained: abstained)
        let classify = try LabelMessage(
            id: fixture.id, prediction: fixture.prediction, labels: classifier.labels,
            model: .init(name: classifier.name, digest: classifier.digest), source: nil, abstained: abstained
        ).jsonBytes()
        return (record, classify)
    }

    @Test func withAbstainingOffEveryOutputIsByteForByteWhatItWasBefore() throws {
        let cases = try Self.cases()
        for (index, fixture) in cases.enumerated() {
            let (record, classify) = try Self.label(fixture, policy: .off)
            #expect(String(decoding: record.value ?? [], as: UTF8.self) == fixture.labelValue, "case \(index)")
            #expect(record.headers == fixture.labelHeaders, "case \(index)")
            #expect(record.key == fixture.input.key, "case \(index)")
            #expect(record.topic == "news.labels")
            #expect(String(decoding: classify, as: UTF8.self) == fixture.classifyLine, "case \(index)")
        }
    }

    @Test func withAbstainingOnOnlyTheAbstainedOutputsChangeAndOnlyByTheMark() throws {
        let policy = try AbstainPolicy(threshold: 0.6, perLabel: ["Sports": 0.8])
        var abstainedCount = 0
        for (index, fixture) in try Self.cases().enumerated() {
            let (record, classify) = try Self.label(fixture, policy: policy)
            let value = String(decoding: record.value ?? [], as: UTF8.self)
            if policy.abstains(fixture.prediction) {
                abstainedCount += 1
                #expect(value == #"{"abstained":true,"# + fixture.labelValue.dropFirst(), "case \(index)")
                #expect(String(decoding: classify, as: UTF8.self) == #"{"abstained":true,"# + fixture.classifyLine.dropFirst())
                #expect(record.headers == fixture.labelHeaders + [KafkaHeader(name: "newsclf.abstained", string: "true")])
            } else {
                #expect(value == fixture.labelValue, "case \(index)")
                #expect(String(decoding: classify, as: UTF8.self) == fixture.classifyLine, "case \(index)")
                #expect(record.headers == fixture.labelHeaders)
            }
        }
        // The fixture's predictions span sharp and flat ones: both branches ran.
        #expect(abstainedCount > 20 && abstainedCount < 220, "\(abstainedCount) of 240 abstained")
    }
}
