import CZlib
import Foundation

/// gzip decompression (RFC 1952) with zlib.
///
/// zlib's `inflate` does the work (`inflateInit2` with `windowBits = 16 + MAX_WBITS`, which
/// selects the gzip wrapper and checks its CRC-32 and length trailer). Concatenated gzip members
/// (as `cat a.gz b.gz` makes, and as `gunzip` accepts) are decompressed one after the other.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes `1f 8b`.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// Decompresses a whole gzip file held in memory.
    ///
    /// - Parameter data: the gzip file's bytes (one or more members).
    /// - Returns: the decompressed bytes.
    /// - Throws: ``GzipError``: `.notGzip` without the magic bytes, `.truncated` when the input ends
    ///   before zlib reports `Z_STREAM_END` (nothing is returned for a truncated file),
    ///   `.corrupt` for a bad stream or checksum, `.trailingData` for bytes after the last member
    ///   that do not start another member.
    public static func decompress(_ data: Data) throws(GzipError) -> Data {
        guard isGzip(data) else { throw GzipError(.notGzip) }
        var output = [UInt8]()
        output.reserveCapacity(data.count * 4)
        let result: GzipError? = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> GzipError? in
            var offset = 0
            while offset < input.count {
                if offset > 0 && !(input.count - offset >= 2 && input[offset] == 0x1F && input[offset + 1] == 0x8B) {
                    return GzipError(.trailingData(offset: offset))
                }
                switch inflateMember(input, from: offset, into: &output) {
                case .success(let consumed): offset += consumed
                case .failure(let error): return error
                }
            }
            return nil
        }
        if let result { throw result }
        return Data(output)
    }

    /// Inflates one gzip member that starts at `start`; returns how many input bytes it used.
    private static func inflateMember(
        _ input: UnsafeRawBufferPointer, from start: Int, into output: inout [UInt8]
    ) -> Result<Int, GzipError> {
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { return .failure(GzipError(.zlib(initStatus))) }
        defer { inflateEnd(&stream) }

        let base = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        var position = start
        let chunkSize = 1 << 16
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status = Z_OK
        while status != Z_STREAM_END {
            if stream.avail_in == 0 {
                let remaining = input.count - position
                if remaining == 0 { return .failure(GzipError(.truncated)) }
                let feed = min(remaining, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(mutating: base + position)
                stream.avail_in = uInt(feed)
                position += feed
            }
            let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(chunkSize)
                status = inflate(&stream, Z_NO_FLUSH)
                return chunkSize - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
            switch status {
            case Z_OK, Z_STREAM_END:
                continue
            case Z_BUF_ERROR:
                // No progress possible: zlib wants more input; the loop feeds it or reports truncation.
                if stream.avail_in != 0 { return .failure(GzipError(.corrupt("no progress"))) }
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                return .failure(GzipError(.corrupt(message)))
            }
        }
        return .success(position - Int(stream.avail_in) - start)
    }
}
