import Checkpoint
import Foundation
import JSON
import TestSupport
import Testing

@Suite(.onNumericsThreads) struct CheckpointMetricsTests {
    @Test func keepsEveryJSONTypeAndTellsIntegersFromOtherNumbers() throws {
        let text = #"{"seed": 0, "lr": 0.001, "big": 1e300, "ok": true, "none": null, "name": "a/b", "list": [1, 2.5, "x"], "nested": {"k": false}}"#
        let metrics = try CheckpointMetrics(jsonData: Data(text.utf8))
        #expect(metrics["seed"] == .integer(0))
        #expect(metrics["lr"] == .number(0.001))
        #expect(metrics["big"] == .number(1e300))
        #expect(metrics["ok"] == .bool(true))
        #expect(metrics["none"] == .null)
        #expect(metrics["name"] == .string("a/b"))
        #expect(metrics["list"] == .array([.integer(1), .number(2.5), .string("x")]))
        #expect(metrics["nested"] == .object(["k": .bool(false)]))
        #expect(try CheckpointMetrics(jsonData: try metrics.jsonData()) == metrics)
    }

    @Test func writesSortedPrettyJSONWithAFinalNewline() throws {
        let metrics: CheckpointMetrics = ["b": 1, "a": ["d": 2, "c": "x/y"]]
        let text = String(decoding: try metrics.jsonData(), as: UTF8.self)
        #expect(text == "{\n  \"a\" : {\n    \"c\" : \"x/y\",\n    \"d\" : 2\n  },\n  \"b\" : 1\n}\n")
    }

    @Test func refusesATopLevelArray() {
        #expect(throws: DecodingError.self) { try CheckpointMetrics(jsonData: Data("[1]".utf8)) }
    }

    @Test func refusesToWriteNaN() {
        let metrics: CheckpointMetrics = ["loss": .number(.nan)]
        #expect(throws: EncodingError.self) { try metrics.jsonData() }
    }

    @Test func jsonTextIsCompactWithSortedKeys() {
        let value: JSONValue = ["z": [1, 0.5, nil, true], "a": "q\"uote"]
        #expect(value.jsonText == #"{"a": "q\"uote", "z": [1, 0.5, null, true]}"#)
    }
}
