import Classification
import Foundation
import Kafka
import Testing
import WireFormat
import Worker

@Suite struct BatchClassifierTests {
    static let batchClassifier = BatchClassifier(
        outputTopic: "news.labels", deadLetterTopic: "news.raw.dlq", maxMessageBytes: 64)

    static func input(_ value: [UInt8], offset: Int64 = 0) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: "news.raw", partition: 1, offset: offset, key: Array("k".utf8), value: value)
    }

    /// Runs one bad value through the batch classifier and checks its dead letter.
    static func expectDeadLetter(_ value: [UInt8], kind: DeadLetterReason.Kind) throws {
        let result = batchClassifier.process([input(value, offset: 9)], with: try WorkerTestSupport.classifier())
        let letter = try #require(result.outputs.first)
        #expect(result.outputs.count == 1)
        #expect(letter.topic == "news.raw.dlq")
        #expect(letter.key == Array("k".utf8))
        #expect(letter.value == value)
        #expect(letter.headers.first { $0.name == WorkerOutput.errorKindHeader }?.stringValue == kind.rawValue)
        #expect(letter.headers.first { $0.name == WorkerOutput.sourceOffsetHeader }?.stringValue == "9")
        #expect(result.deadLetterKinds == [0: kind.rawValue])
        #expect(result.classifiedCount == 0)
    }

    @Test func invalidUTF8IsADeadLetter() throws {
        try Self.expectDeadLetter([0x22, 0xC3, 0x28, 0x22], kind: .invalidUTF8)
    }

    @Test func invalidJSONIsADeadLetter() throws {
        try Self.expectDeadLetter(Array("{\"text\"".utf8), kind: .invalidJSON)
    }

    @Test func aNullValueIsADeadLetter() throws {
        let result = Self.batchClassifier.process(
            [KafkaConsumerMessage(topic: "news.raw", partition: 0, offset: 0, key: nil, value: nil)],
            with: try WorkerTestSupport.classifier())
        #expect(result.outputs.first?.topic == "news.raw.dlq")
        #expect(result.outputs.first?.value == nil)
    }

    @Test func aJSONArrayIsADeadLetter() throws {
        try Self.expectDeadLetter(Array("[1, 2]".utf8), kind: .notAnObject)
    }

    @Test func aNumericTextIsADeadLetter() throws {
        try Self.expectDeadLetter(Array("{\"text\": 3}".utf8), kind: .wrongType)
    }

    @Test func anObjectWithoutTextIsADeadLetter() throws {
        try Self.expectDeadLetter(Array("{\"id\": 3}".utf8), kind: .missingText)
    }

    @Test func whitespaceTextIsADeadLetter() throws {
        try Self.expectDeadLetter(Array("{\"text\": \"   \"}".utf8), kind: .emptyText)
    }

    @Test func aValueAboveTheLimitIsADeadLetter() throws {
        try Self.expectDeadLetter(Array("{\"text\": \"\(String(repeating: "x", count: 80))\"}".utf8), kind: .tooLarge)
    }

    /// Text that carries no word gets no label (the model's answer to `<bos> <unk> <eos>` was
    /// "World 0.86" for each of these before).
    @Test(arguments: [
        #"{"text": "\u200b\u200b\u200b"}"#, #"{"text": "\ufeff"}"#, "{\"text\": \"\u{1F4F0}\u{1F389} \u{1F600}\"}",
        #"{"text": "\u0301\u0308"}"#, #"{"text": "!!! ..."}"#, #"{"text": "\u00ad\u2060\u200d"}"#,
        #"{"title": "xqzvy", "description": "wqzzk"}"#,
    ])
    func textWithoutWordsIsANoTokensDeadLetter(_ json: String) throws {
        try Self.expectDeadLetter(Array(json.utf8), kind: .noTokens)
    }

    @Test func nbspOnlyTextIsStillEmptyText() throws {
        try Self.expectDeadLetter(Array(#"{"text": "\u00a0\u00a0"}"#.utf8), kind: .emptyText)
    }

    /// Zero-width spaces between words no longer glue them into unknown tokens.
    @Test func aSentenceWithZeroWidthSpacesIsReadAsWithSpaces() throws {
        let classifier = try WorkerTestSupport.classifier()
        func probabilities(_ json: String) throws -> [String: Double] {
            let result = Self.batchClassifier.process([Self.input(Array(json.utf8))], with: classifier)
            let object = try JSONSerialization.jsonObject(with: Data(result.outputs.first?.value ?? [])) as? [String: Any]
            return try #require(object?["probabilities"] as? [String: Double], "\(json) got no label")
        }
        let glued = try probabilities(#"{"text": "Yankees\u200bbeat\u200bRed\u200bSox"}"#)
        let spaced = try probabilities(#"{"text": "Yankees beat Red Sox"}"#)
        #expect(glued == spaced)
        #expect((spaced["Sports"] ?? 0) > 0.5)
    }

    @Test func labelsAndDeadLettersKeepTheInputOrder() throws {
        let classifier = try WorkerTestSupport.classifier()
        let inputs = [
            Self.input(Array("{\"id\": 1, \"text\": \"Stocks fall\"}".utf8), offset: 0),
            Self.input(Array("nope".utf8), offset: 1),
            Self.input(Array("{\"title\": \"Cup final\", \"description\": \"won\"}".utf8), offset: 2),
        ]
        let result = Self.batchClassifier.process(inputs, with: classifier)
        #expect(result.outputs.map(\.topic) == ["news.labels", "news.raw.dlq", "news.labels"])
        #expect(result.classifiedCount == 2)
        // The same batch as the worker's (the shipped model's notebook padding makes an item's
        // probabilities depend on its batch).
        let expected = try classifier.classify([classifier.encode("Stocks fall"), classifier.encode("Cup final won")])[1]
        let object = try JSONSerialization.jsonObject(with: Data(result.outputs[2].value ?? [])) as? [String: Any]
        #expect(object?["label"] as? String == expected.label)
        #expect((object?["source"] as? [String: Any])?["offset"] as? Int == 2)
        let first = try JSONSerialization.jsonObject(with: Data(result.outputs[0].value ?? [])) as? [String: Any]
        #expect(first?["id"] as? Int == 1, "the id is echoed as given")
    }

    /// The per-item work on several threads gives the outputs of one thread, in input order.
    @Test func severalThreadsGiveTheOutputsOfOne() throws {
        let classifier = try WorkerTestSupport.classifier()
        let texts = ["Stocks fall", "Cup final won", "New chip unveiled", "Peace talks resume"]
        let inputs = (0..<150).map { index in
            Self.input(
                index % 7 == 3
                    ? Array("{\"id\": \(index)".utf8)
                    : Array("{\"id\": \(index), \"text\": \"\(texts[index % texts.count]) \(index)\"}".utf8),
                offset: Int64(index))
        }
        let one = BatchClassifier(outputTopic: "news.labels", deadLetterTopic: "news.raw.dlq", maxMessageBytes: 1024)
        var four = one
        four.threadCount = 4
        let serial = one.process(inputs, with: classifier)
        let parallel = four.process(inputs, with: classifier)
        #expect(parallel.outputs == serial.outputs)
        #expect(parallel.deadLetterKinds == serial.deadLetterKinds)
        #expect(parallel.classifiedCount == 150 - 21)
        #expect(parallel.outputs.map { $0.headers.first { $0.name == WorkerOutput.sourceOffsetHeader }?.stringValue }
            == (0..<150).map { String($0) })
        #expect(parallel.deadLetterKinds.keys.sorted() == (0..<150).filter { $0 % 7 == 3 })
    }
}
