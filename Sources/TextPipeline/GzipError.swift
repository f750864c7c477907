/// A gzip stream could not be decompressed.
///
/// Thrown by ``Gzip/decompress(_:)``; ``AGNewsReaderError`` wraps it with the file name.
public struct GzipError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The data does not start with the gzip magic bytes `1f 8b`.
        case notGzip
        /// The input ended before the end of the compressed stream (zlib never returned
        /// `Z_STREAM_END`): the file is truncated.
        case truncated
        /// zlib rejected the stream (bad header, bad CRC, corrupt blocks); its message.
        case corrupt(String)
        /// Bytes that are not another gzip member follow the end of the stream.
        case trailingData(offset: Int)
        /// zlib could not be initialised (its return code).
        case zlib(Int32)
    }

    /// What went wrong.
    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .notGzip: return "not gzip data (missing the 1f 8b magic bytes)"
        case .truncated: return "truncated gzip stream (the compressed data ends early)"
        case .corrupt(let message): return "corrupt gzip stream: \(message)"
        case .trailingData(let offset): return "unexpected data after the gzip stream at byte \(offset)"
        case .zlib(let code): return "zlib initialisation failed (code \(code))"
        }
    }
}
