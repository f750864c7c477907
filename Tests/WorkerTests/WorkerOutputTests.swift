import Classification
import Foundation
import Kafka
import Testing
import WireFormat
import Worker

@Suite struct WorkerOutputTests {
    static let input = KafkaConsumerMessage(
        topic: "news.raw", partition: 3, offset: 1234, key: Array("key".utf8), value: Array("{}".utf8))

    @Test func sourceHeadersNameTheInputPosition() {
        #expect(
            WorkerOutput.sourceHeaders(of: Self.input) == [
                KafkaHeader(name: "newsclf.source.topic", string: "news.raw"),
                KafkaHeader(name: "newsclf.source.partition", string: "3"),
                KafkaHeader(name: "newsclf.source.offset", string: "1234"),
            ])
    }

    @Test func aDeadLetterKeepsKeyAndBytesAndAddsTheError() {
        let letter = WorkerOutput.deadLetter(
            for: Self.input, kind: "missing_text", message: "no text", topic: "news.raw.dlq")
        #expect(letter.topic == "news.raw.dlq")
        #expect(letter.key == Self.input.key)
        #expect(letter.value == Self.input.value)
        #expect(letter.headers.suffix(2) == [
            KafkaHeader(name: "newsclf.error.kind", string: "missing_text"),
            KafkaHeader(name: "newsclf.error.message", string: "no text"),
        ])
    }

    @Test func aLabelIsTheLabelMessageWithItsSource() throws {
        let classifier = try WorkerTestSupport.classifier()
        let prediction = try classifier.classify([classifier.encode("Shares of chip makers rose")])[0]
        let record = try WorkerOutput.label(
            for: Self.input, id: .string("t42"), prediction: prediction, classifier: classifier,
            topic: "news.labels")
        let expected = LabelMessage(
            id: .string("t42"), prediction: prediction, labels: classifier.labels,
            model: .init(name: classifier.name, digest: classifier.digest),
            source: .init(topic: "news.raw", partition: 3, offset: 1234))
        #expect(record.value == (try expected.jsonBytes()))
        #expect(record.key == Self.input.key)
        #expect(record.headers == WorkerOutput.sourceHeaders(of: Self.input))
    }
}
