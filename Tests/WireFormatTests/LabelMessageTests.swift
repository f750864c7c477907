import Classification
import Foundation
import JSON
import Testing
import WireFormat

@Suite struct LabelMessageTests {
    let labels = ["World", "Sports", "Business", "Sci/Tech"]

    @Test func encodesTheOutputSchema() throws {
        let prediction = Prediction(labelID: 1, label: "Sports", probabilities: [0.25, 0.5, 0.125, 0.125], truncated: false)
        let message = LabelMessage(
            id: .string("t42"), prediction: prediction, labels: labels,
            model: .init(name: "agnews-gru", digest: "sha256:ab"), source: .init(topic: "news.raw", partition: 0, offset: 1234))
        let text = String(decoding: try message.jsonBytes(), as: UTF8.self)
        #expect(text == #"{"id":"t42","label":"Sports","label_id":1,"model":{"digest":"sha256:ab","name":"agnews-gru"},"probabilities":{"Business":0.125,"Sci/Tech":0.125,"Sports":0.5,"World":0.25},"source":{"offset":1234,"partition":0,"topic":"news.raw"},"truncated":false}"#)
    }

    @Test func omitsSourceAndKeepsNumericIDs() throws {
        let prediction = Prediction(labelID: 0, label: "World", probabilities: [1, 0, 0, 0], truncated: true)
        let message = LabelMessage(id: .integer(7), prediction: prediction, labels: labels, model: .init(name: "m", digest: "d"), source: nil)
        let object = try JSONSerialization.jsonObject(with: Data(try message.jsonBytes())) as? [String: Any]
        #expect(object?["source"] == nil)
        #expect(object?["id"] as? Int == 7)
        #expect(object?["truncated"] as? Bool == true)
    }

    @Test func nonFiniteProbabilityIsAnError() {
        let prediction = Prediction(labelID: 0, label: "World", probabilities: [.nan, 0, 0, 0], truncated: false)
        let message = LabelMessage(id: nil, prediction: prediction, labels: labels, model: .init(name: "m", digest: "d"), source: nil)
        #expect(throws: EncodingError.self) { try message.jsonBytes() }
    }
}
