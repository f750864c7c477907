import Classification
import Foundation
import JSON

/// The fields of an output-topic label message that a stream run reads back (DESIGN.md "Messages").
public struct ReceivedLabel: Sendable, Equatable, Decodable {
    /// The input's `id` as echoed by the worker.
    public var id: JSONValue?
    /// The predicted class name.
    public var label: String
    /// The predicted class id.
    public var labelID: Int
    /// Class name → probability.
    public var probabilities: [String: Double]

    enum CodingKeys: String, CodingKey {
        case id, label, probabilities
        case labelID = "label_id"
    }

    /// Decodes a label message value; `nil` when it is not one.
    public static func decode(_ value: [UInt8]?) -> ReceivedLabel? {
        guard let value else { return nil }
        return try? decoder.decode(ReceivedLabel.self, from: Data(value))
    }

    /// One decoder for every message (`JSONDecoder` is thread-safe once configured).
    private static let decoder = JSONDecoder()
}
