import Foundation
import Kafka
import TextPipeline

/// The messages one stream run (the demo, the worker benchmark) publishes: the news items as
/// input-topic JSON (`{"id": "<run>/<row>", "text": …}`, key = id) with the malformed inputs
/// mixed in at evenly spread positions (key `<run>/bad/<k>`), and the reverse mapping from a key
/// or an `id` back to the stream member, so that outputs of earlier runs on the same topics are told apart.
public struct ItemStream: Sendable {
    /// What a position in the stream holds.
    public enum Member: Sendable, Hashable {
        /// The news item at this 0-based row of the data file.
        case item(Int)
        /// The malformed input at this index of ``malformedInputs``.
        case malformed(Int)
    }

    /// This run's id; every key and `id` starts with it.
    public let runID: String
    /// The news items, in file order.
    public let items: [NewsItem]
    /// The bad messages mixed in (empty when left out).
    public let malformedInputs: [MalformedInput]
    /// The publishing order.
    public let order: [Member]

    /// - Parameters:
    ///   - runID: a short id unique to the run (letters, digits, `-`).
    ///   - items: the news items.
    ///   - malformedInputs: bad messages, spread evenly through the items.
    public init(runID: String, items: [NewsItem], malformedInputs: [MalformedInput]) {
        self.runID = runID
        self.items = items
        self.malformedInputs = malformedInputs
        var order = items.indices.map(Member.item)
        // Back to front, so that earlier insertion points stay valid.
        for k in malformedInputs.indices.reversed() {
            let position = items.count * (k + 1) / (malformedInputs.count + 1)
            order.insert(.malformed(k), at: position)
        }
        self.order = order
    }

    /// The prefix of every key and `id` of this run.
    public var idPrefix: String { "\(runID)/" }

    /// The `id` (and key) of item `row`.
    public func itemID(_ row: Int) -> String { "\(idPrefix)\(row)" }

    /// The key of malformed input `k`.
    public func malformedKey(_ k: Int) -> String { "\(idPrefix)bad/\(k)" }

    /// The Kafka message for a stream member.
    public func message(for member: Member, topic: String) -> KafkaProducerMessage {
        switch member {
        case .item(let row):
            let id = itemID(row)
            return KafkaProducerMessage(topic: topic, key: Array(id.utf8), value: Self.inputJSON(id: id, text: items[row].text))
        case .malformed(let k):
            return KafkaProducerMessage(topic: topic, key: Array(malformedKey(k).utf8), value: malformedInputs[k].value)
        }
    }

    /// Every member's message, in ``order``.
    public func messages(topic: String) -> [KafkaProducerMessage] {
        order.map { message(for: $0, topic: topic) }
    }

    /// The stream member a key (or a label's `id`) belongs to; `nil` for anything else, such as an
    /// output of an earlier run on the same topics.
    public func member(forKey key: String) -> Member? {
        guard key.hasPrefix(idPrefix) else { return nil }
        let rest = key.dropFirst(idPrefix.count)
        if rest.hasPrefix("bad/") {
            guard let k = Int(rest.dropFirst(4)), malformedInputs.indices.contains(k) else { return nil }
            return .malformed(k)
        }
        guard let row = Int(rest), items.indices.contains(row) else { return nil }
        return .item(row)
    }

    /// `{"id": id, "text": text}` as compact JSON with sorted keys.
    public static func inputJSON(id: String, text: String) -> [UInt8] {
        struct Input: Encodable {
            var id: String
            var text: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Two strings always encode.
        return Array((try? encoder.encode(Input(id: id, text: text))) ?? Data())
    }
}
