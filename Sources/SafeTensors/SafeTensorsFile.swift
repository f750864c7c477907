import Foundation

/// A parsed safetensors file: a JSON header describing named tensors, followed by their raw
/// little-endian bytes.
///
/// Format (Hugging Face `safetensors`, <https://github.com/huggingface/safetensors>):
/// 8 bytes little-endian `UInt64` header length `N`, then `N` bytes of UTF-8 JSON mapping each
/// tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the end
/// of the header) plus an optional `"__metadata__"` map of string to string, then the data.
///
/// Reading validates the whole layout up front (header size, JSON, dtypes, that every tensor's
/// byte range matches its shape and lies inside the file, that ranges do not overlap), so a
/// truncated or corrupt file is refused before any tensor is used.
public struct SafeTensorsFile: Sendable {
    /// The tensors, by name, in the order of their data offsets.
    public let tensors: [String: TensorView]
    /// The `__metadata__` map (empty when the file has none).
    public let metadata: [String: String]
    /// Tensor names in file (data offset) order.
    public let names: [String]
    /// Where the bytes came from (a path), used in error messages.
    public let source: String

    /// Reads and validates a safetensors file.
    /// - Parameter url: the file to read.
    /// - Throws: ``SafeTensorsError`` naming the file (and tensor) when the file is missing,
    ///   truncated, or its header is malformed.
    public init(contentsOf url: URL) throws(SafeTensorsError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafeTensorsError(file: url.path, tensor: nil, kind: .unreadable(String(describing: error)))
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses and validates safetensors bytes.
    /// - Parameters:
    ///   - data: the whole file.
    ///   - source: a name for error messages (usually the path).
    /// - Throws: ``SafeTensorsError`` when the bytes are not a valid safetensors file.
    public init(data: Data, source: String = "<memory>") throws(SafeTensorsError) {
        func fail(_ kind: SafeTensorsError.Kind, _ tensor: String? = nil) -> SafeTensorsError {
            SafeTensorsError(file: source, tensor: tensor, kind: kind)
        }
        guard data.count >= 8 else { throw fail(.truncated(expected: 8, actual: data.count)) }
        var headerLength: UInt64 = 0
        for i in 0..<8 {
            headerLength |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i))
        }
        // The format caps the header at 100 MB (huggingface/safetensors); a larger length is
        // not a safetensors file at all (a truncated one has a plausible length).
        guard headerLength <= 100_000_000 else {
            throw fail(.malformedHeader(
                "header length \(headerLength) bytes exceeds the format's 100 MB limit: not a safetensors file"))
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail(.truncated(expected: Int(headerLength) + 8, actual: data.count))
        }
        let headerStart = data.startIndex + 8
        let headerEnd = headerStart + Int(headerLength)
        let headerBytes = data[headerStart..<headerEnd]
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw fail(.malformedHeader("header is not valid JSON"))
        }
        guard let object = json as? [String: Any] else {
            throw fail(.malformedHeader("header is not a JSON object"))
        }
        let body = data[headerEnd...]
        var tensors: [String: TensorView] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(name: String, range: Range<Int>)] = []
        // In name order, so that an error names the same tensor on every run.
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw fail(.malformedHeader("__metadata__ is not an object"))
                }
                for (key, entry) in map {
                    guard let string = entry as? String else {
                        throw fail(.malformedHeader("__metadata__[\(key)] is not a string"))
                    }
                    metadata[key] = string
                }
                continue
            }
            guard let entry = value as? [String: Any],
                let dtypeName = entry["dtype"] as? String,
                let shapeValues = entry["shape"] as? [Any],
                let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2
            else {
                throw fail(.malformedHeader("entry needs dtype, shape and data_offsets"), name)
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail(.unsupportedDType(dtypeName), name)
            }
            var shape: [Int] = []
            for dim in shapeValues {
                guard let n = Self.integer(dim), n >= 0 else {
                    throw fail(.malformedHeader("shape has a non-integer or negative dimension"), name)
                }
                shape.append(n)
            }
            guard let begin = Self.integer(offsetValues[0]), let end = Self.integer(offsetValues[1]),
                begin >= 0, end >= begin
            else {
                throw fail(.malformedHeader("data_offsets are not an increasing integer pair"), name)
            }
            // The byte count shape × dtype size, refusing shapes whose product overflows `Int`.
            var byteCount = dtype.byteSize
            for dim in shape {
                let (product, overflow) = byteCount.multipliedReportingOverflow(by: dim)
                guard !overflow else {
                    throw fail(.malformedHeader("shape \(shape) is too large"), name)
                }
                byteCount = product
            }
            guard end - begin == byteCount else {
                throw fail(.sizeMismatch(shape: shape, dtype: dtype, bytes: end - begin), name)
            }
            guard end <= body.count else {
                throw fail(.truncated(expected: headerEnd - data.startIndex + end, actual: data.count), name)
            }
            let bytes = body[(body.startIndex + begin)..<(body.startIndex + end)]
            tensors[name] = TensorView(name: name, source: source, dtype: dtype, shape: shape, bytes: Data(bytes))
            ranges.append((name, begin..<end))
        }
        ranges.sort { $0.range.lowerBound < $1.range.lowerBound }
        for i in ranges.indices.dropFirst() where ranges[i].range.lowerBound < ranges[i - 1].range.upperBound {
            throw fail(.malformedHeader("data of \(ranges[i - 1].name) and \(ranges[i].name) overlap"), ranges[i].name)
        }
        self.tensors = tensors
        self.metadata = metadata
        self.names = ranges.map(\.name)
        self.source = source
    }

    /// A JSON integer as parsed by `JSONSerialization`: an exact `Int`, not a boolean (which
    /// bridges to `NSNumber` too) nor a fraction.
    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return value as? Int
    }

    /// The tensor with this name.
    /// - Throws: ``SafeTensorsError`` with kind `.missingTensor` when absent.
    public func tensor(_ name: String) throws(SafeTensorsError) -> TensorView {
        guard let view = tensors[name] else {
            throw SafeTensorsError(file: source, tensor: name, kind: .missingTensor)
        }
        return view
    }
}
