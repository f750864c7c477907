/// A ``TextEncoder`` could not be configured.
public struct TextEncoderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// `max_length` must leave room for `<bos>` and `<eos>` (at least 2); the value given.
        case invalidMaxLength(Int)
    }

    /// What went wrong.
    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .invalidMaxLength(let value): return "max_length must be at least 2, got \(value)"
        }
    }
}
