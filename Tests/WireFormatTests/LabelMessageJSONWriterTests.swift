import Classification
import Foundation
import JSON
import RecurrentNetwork
import Testing
@testable import WireFormat

/// The writer against its reference: `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`,
/// byte for byte.
@Suite struct LabelMessageJSONWriterTests {
    let reference: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func written(_ message: LabelMessage) -> [UInt8]? {
        var writer = LabelMessageJSONWriter()
        return writer.write(message) ? writer.bytes : nil
    }

    @Test func aWorkerLabelIsWrittenAsJSONEncoderWritesIt() throws {
        let prediction = Prediction(
            labelID: 1, label: "Sports", probabilities: [0.012_3, 0.971_23, 0.008_423_1, 1e-5], truncated: false)
        let message = LabelMessage(
            id: .string("t42"), prediction: prediction, labels: ["World", "Sports", "Business", "Sci/Tech"],
            model: .init(name: "agnews-gru", digest: "sha256:73a27d0c"),
            source: .init(topic: "news.raw", partition: 3, offset: 1234))
        let bytes = try #require(written(message))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"id":"t42","label":"Sports","label_id":1,"model":{"digest":"sha256:73a27d0c","name":"agnews-gru"},"probabilities":{"Business":0.0084231,"Sci/Tech":1e-05,"Sports":0.97123,"World":0.0123},"source":{"offset":1234,"partition":3,"topic":"news.raw"},"truncated":false}"#)
        #expect(bytes == Array(try reference.encode(message)))
    }

    /// An abstained item: `"abstained":true` first (sorted keys), the top label kept.
    @Test func anAbstainedLabelStartsWithTheAbstainedKey() throws {
        let prediction = Prediction(
            labelID: 2, label: "Business", probabilities: [0.3, 0.05, 0.45, 0.2], truncated: false)
        let message = LabelMessage(
            id: .integer(7), prediction: prediction, labels: ["World", "Sports", "Business", "Sci/Tech"],
            model: .init(name: "agnews-gru", digest: "sha256:1065"), source: nil, abstained: true)
        let bytes = try #require(written(message))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"abstained":true,"id":7,"label":"Business","label_id":2,"model":{"digest":"sha256:1065","name":"agnews-gru"},"probabilities":{"Business":0.45,"Sci/Tech":0.2,"Sports":0.05,"World":0.3},"truncated":false}"#)
        #expect(bytes == Array(try reference.encode(message)))
    }

    /// Every control character, quotes, backslashes, slashes, non-ASCII (combining marks, line
    /// separators, emoji) in every string field; ids of each kind; probabilities from every
    /// part of the float range; 1–6 labels in any order; with and without `source`, abstained or not.
    @Test func randomMessagesAreByteForByteWhatJSONEncoderWrites() throws {
        var random = SplitMix64(seed: 20_261_130)
        let scalars: [Unicode.Scalar] = (0..<0x80).compactMap(Unicode.Scalar.init)
            + ["é", "ß", "\u{0301}", "\u{2028}", "\u{2029}", "\u{FEFF}", "😀", "東"]
        func text() -> String {
            let count = Int.random(in: 0...10, using: &random)
            return String(String.UnicodeScalarView((0..<count).map { _ in scalars.randomElement(using: &random)! }))
        }
        func probability() -> Float {
            switch Int.random(in: 0..<4, using: &random) {
            case 0: Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &random))  // any finite ≥ 0
            case 1: Float.random(in: 0...1, using: &random)
            case 2: Float(Int.random(in: 0...2, using: &random))
            default: [.leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-5, 1e-7, 0.1, 1e16, -0.0].randomElement(using: &random)!
            }
        }
        func id() -> JSONValue? {
            switch Int.random(in: 0..<7, using: &random) {
            case 0: nil
            case 1: .null
            case 2: .bool(Bool.random(using: &random))
            case 3: .integer(Int64.random(in: .min ... .max, using: &random))
            case 4: .number(Double(bitPattern: UInt64.random(in: 0..<0x7FF0_0000_0000_0000, using: &random)))
            case 5: .number([0.5, -3.0, 1e21, 1e-7, 1e15, 1e16, 12_345_678_901_234_567_890.0].randomElement(using: &random)!)
            default: .string(text())
            }
        }
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            let labels = (0..<Int.random(in: 1...6, using: &random)).map { "\(text())\($0)" }
            let prediction = Prediction(
                labelID: 0, label: text(), probabilities: labels.map { _ in probability() },
                truncated: Bool.random(using: &random))
            let source = Bool.random(using: &random)
                ? LabelMessage.Source(
                    topic: text(), partition: Int32.random(in: .min ... .max, using: &random),
                    offset: Int64.random(in: .min ... .max, using: &random))
                : nil
            let message = LabelMessage(
                id: id(), prediction: prediction, labels: labels, model: .init(name: text(), digest: text()),
                source: source, abstained: Bool.random(using: &random))
            let expected = Array(try reference.encode(message))
            guard let bytes = written(message) else {
                mismatches.append("declined: \(message)")
                continue
            }
            if bytes != expected {
                mismatches.append("\(String(decoding: bytes, as: UTF8.self)) ≠ \(String(decoding: expected, as: UTF8.self))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
    }

    @Test func nonFiniteNumbersAndStructuredIDsAreLeftToJSONEncoder() throws {
        let labels = ["a", "b"]
        let finite = Prediction(labelID: 0, label: "a", probabilities: [0.5, 0.5], truncated: false)
        for probabilities: [Float] in [[.nan, 0.5], [0.5, .infinity], [-.infinity, 0.5]] {
            let prediction = Prediction(labelID: 0, label: "a", probabilities: probabilities, truncated: false)
            let message = LabelMessage(id: nil, prediction: prediction, labels: labels, model: .init(name: "m", digest: "d"), source: nil)
            #expect(written(message) == nil)
            #expect(throws: EncodingError.self) { try message.jsonBytes() }
        }
        for id: JSONValue in [.number(.nan), .array([.integer(1)]), .object(["k": .string("v")])] {
            let message = LabelMessage(id: id, prediction: finite, labels: labels, model: .init(name: "m", digest: "d"), source: nil)
            #expect(written(message) == nil)
        }
        let structured = LabelMessage(
            id: .array([.integer(1), .string("x")]), prediction: finite, labels: labels,
            model: .init(name: "m", digest: "d"), source: nil)
        #expect(try structured.jsonBytes() == Array(try reference.encode(structured)))
    }
}
