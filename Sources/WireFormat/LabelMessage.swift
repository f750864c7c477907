import Foundation
import JSON

/// The output-topic message for one classified item (DESIGN.md "Messages"):
///
/// ```json
/// {"id": "t42", "label": "Sports", "label_id": 1,
///  "probabilities": {"World": 0.01, "Sports": 0.97, "Business": 0.01, "Sci/Tech": 0.01},
///  "model": {"name": "agnews-gru", "digest": "sha256:<hex>"},
///  "source": {"topic": "news.raw", "partition": 0, "offset": 1234},
///  "truncated": false}
/// ```
/// `newsclf classify` prints the same object without `source`. An item whose top probability is
/// below the abstain threshold (`abstain_below`) adds `"abstained": true` and keeps its top label
/// as `label`; the key is absent otherwise, so with abstaining off the bytes are what they were
/// before the feature. Keys are written sorted, so the bytes are deterministic.
public struct LabelMessage: Encodable, Sendable, Equatable {
    /// Where the input came from in Kafka.
    public struct Source: Encodable, Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64

        public init(topic: String, partition: Int32, offset: Int64) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
        }
    }

    /// Which model answered.
    public struct Model: Encodable, Sendable, Equatable {
        /// The checkpoint directory's name (e.g. `agnews-gru`).
        public var name: String
        /// The checkpoint's digest, `sha256:<hex>`: SHA-256 over the manifest of the digests of
        /// `model.safetensors`, `config.json` and `vocab.txt` (``Checkpoint`` documents it), so a
        /// recalibrated or re-vocabularied model is told apart.
        public var digest: String

        public init(name: String, digest: String) {
            self.name = name
            self.digest = digest
        }
    }

    public var id: JSONValue?
    public var label: String
    public var labelID: Int
    /// Class name → probability.
    public var probabilities: [String: Float]
    public var model: Model
    public var source: Source?
    public var truncated: Bool
    /// Whether the item's top probability was below its abstain threshold (the label is still the
    /// top one); written only when `true`.
    public var abstained: Bool

    /// A message with these fields (Classification builds one from a prediction).
    public init(
        id: JSONValue?, label: String, labelID: Int, probabilities: [String: Float], model: Model, source: Source?,
        truncated: Bool, abstained: Bool = false
    ) {
        self.id = id
        self.label = label
        self.labelID = labelID
        self.probabilities = probabilities
        self.model = model
        self.source = source
        self.truncated = truncated
        self.abstained = abstained
    }

    enum CodingKeys: String, CodingKey {
        case id, label, probabilities, model, source, truncated, abstained
        case labelID = "label_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id ?? .null, forKey: .id)
        try c.encode(label, forKey: .label)
        try c.encode(labelID, forKey: .labelID)
        try c.encode(probabilities, forKey: .probabilities)
        try c.encode(model, forKey: .model)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encode(truncated, forKey: .truncated)
        if abstained { try c.encode(true, forKey: .abstained) }
    }

    /// The message's JSON bytes (compact, keys sorted): what `JSONEncoder` with
    /// `[.sortedKeys, .withoutEscapingSlashes]` gives, written by a specialised writer when it
    /// can (every message the worker writes; byte for byte the same) and by `JSONEncoder`
    /// otherwise.
    /// - Throws: `EncodingError` when a probability is not finite (JSON has no NaN).
    public func jsonBytes() throws -> [UInt8] {
        var writer = LabelMessageJSONWriter()
        if writer.write(self) { return writer.bytes }
        return Array(try Self.encoder.encode(self))
    }

    /// One encoder for every message `LabelMessageJSONWriter` declines (`JSONEncoder` is
    /// thread-safe once configured).
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
