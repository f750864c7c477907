/// A padded batch of token-id sequences: what the text pipeline's padding collator produces.
///
/// `ids` is row-major `[batch, time]`; item `b` occupies `ids[b·time ..< (b+1)·time]`, its first
/// `lengths[b]` entries are real tokens and the rest padding. The shape and lengths are checked
/// here; ids are checked against a vocabulary by the network that reads them.
public struct TokenBatch: Sendable, Equatable {
    /// Token ids, row-major `[batch, time]`.
    public let ids: [Int32]
    /// Valid length of each item, `1 ... time`.
    public let lengths: [Int]
    /// Number of items (B).
    public var batchSize: Int { lengths.count }
    /// Padded length (T): `ids.count / batchSize`.
    public let time: Int

    /// Checks and wraps a padded batch.
    ///
    /// - Parameters:
    ///   - ids: row-major `[batch, time]` token ids; `ids.count` must be a positive multiple of
    ///     `lengths.count`.
    ///   - lengths: each item's valid length, `1 ... time`.
    /// - Throws: ``ClassifierInputError`` `.emptyBatch`, `.idsShapeMismatch` or
    ///   `.lengthOutOfRange` (naming the item).
    public init(ids: [Int32], lengths: [Int]) throws(ClassifierInputError) {
        guard !lengths.isEmpty, !ids.isEmpty else { throw .emptyBatch }
        guard ids.count % lengths.count == 0 else {
            throw .idsShapeMismatch(idCount: ids.count, batchSize: lengths.count)
        }
        let time = ids.count / lengths.count
        for (item, length) in lengths.enumerated() where length < 1 || length > time {
            throw .lengthOutOfRange(item: item, length: length, time: time)
        }
        self.ids = ids
        self.lengths = lengths
        self.time = time
    }

    /// The id of item `item` at position `position`.
    @inlinable
    public func id(item: Int, position: Int) -> Int32 { ids[item * time + position] }
}

/// An input the classifier cannot use; each case names the offending item or count.
public enum ClassifierInputError: Error, Equatable, CustomStringConvertible {
    /// No items, or no ids.
    case emptyBatch
    /// `ids.count` is not a multiple of the number of lengths, so `[batch, time]` is undefined.
    case idsShapeMismatch(idCount: Int, batchSize: Int)
    /// An item's length is 0 or longer than the padded time.
    case lengthOutOfRange(item: Int, length: Int, time: Int)
    /// A token id read by the network is negative or not below the vocabulary size.
    case idOutOfRange(item: Int, position: Int, id: Int32, vocabularySize: Int)
    /// The labels are not one per item.
    case labelCountMismatch(labelCount: Int, batchSize: Int)
    /// A label is not a class index `0 ..< classCount`.
    case labelOutOfRange(item: Int, label: Int, classCount: Int)
    /// A forward pass given to `backward` was computed by a network of another architecture.
    case architectureMismatch

    public var description: String {
        switch self {
        case .emptyBatch:
            return "empty batch: no items or no token ids"
        case .idsShapeMismatch(let idCount, let batchSize):
            return "\(idCount) token ids do not form [batch, time] for \(batchSize) lengths"
        case .lengthOutOfRange(let item, let length, let time):
            return "item \(item) has length \(length), needs 1 ... \(time) (the padded time)"
        case .idOutOfRange(let item, let position, let id, let vocabularySize):
            return "item \(item) position \(position): token id \(id) is outside the vocabulary 0 ..< \(vocabularySize)"
        case .labelCountMismatch(let labelCount, let batchSize):
            return "\(labelCount) labels for a batch of \(batchSize) items"
        case .labelOutOfRange(let item, let label, let classCount):
            return "item \(item): label \(label) is not a class index 0 ..< \(classCount)"
        case .architectureMismatch:
            return "the forward pass comes from a network of another architecture"
        }
    }
}
