import Kafka
import Testing

@Suite struct KafkaHeaderTests {
    @Test func stringValueDecodesUTF8() {
        #expect(KafkaHeader(name: "n", string: "café").stringValue == "café")
        #expect(KafkaHeader(name: "n", string: "café").value == Array("café".utf8))
    }

    @Test func nullAndInvalidUTF8HaveNoStringValue() {
        #expect(KafkaHeader(name: "n", value: nil).stringValue == nil)
        #expect(KafkaHeader(name: "n", value: [0xFF, 0xFE]).stringValue == nil)
        #expect(KafkaHeader(name: "n", value: []).stringValue == "")
    }
}
