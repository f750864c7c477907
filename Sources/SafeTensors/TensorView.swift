import Foundation

/// One tensor of a safetensors file: its dtype, shape and raw little-endian bytes.
///
/// Decoding to Swift arrays converts the element type: `floats()` reads F32, F16 and BF16
/// (and F64, rounded), `doubles()` any floating type, `int64s()` I64 and I32.
public struct TensorView: Sendable {
    /// The tensor's name in the file.
    public let name: String
    /// The file it came from, for error messages.
    public let source: String
    /// Element type as stored.
    public let dtype: DType
    /// Shape, outermost dimension first (row-major, as PyTorch's contiguous layout).
    public let shape: [Int]
    /// The raw bytes (`shape.product × dtype.byteSize`).
    public let bytes: Data

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The values as `Float` (row-major).
    /// - Throws: ``SafeTensorsError`` `.wrongDType` for integer tensors.
    public func floats() throws(SafeTensorsError) -> [Float] {
        let n = count
        switch dtype {
        case .float32:
            return bytes.withUnsafeBytes { raw in
                (0..<n).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
            }
        case .float16:
            return bytes.withUnsafeBytes { raw in
                (0..<n).map { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian)) }
            }
        case .bfloat16:
            return bytes.withUnsafeBytes { raw in
                (0..<n).map { Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian) << 16) }
            }
        case .float64:
            return try doubles().map(Float.init)
        case .int64, .int32:
            throw SafeTensorsError(file: source, tensor: name, kind: .wrongDType(expected: "float", actual: dtype))
        }
    }

    /// The values as `Double` (row-major).
    /// - Throws: ``SafeTensorsError`` `.wrongDType` for integer tensors.
    public func doubles() throws(SafeTensorsError) -> [Double] {
        let n = count
        switch dtype {
        case .float64:
            return bytes.withUnsafeBytes { raw in
                (0..<n).map { Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian) }
            }
        case .float32, .float16, .bfloat16:
            return try floats().map(Double.init)
        case .int64, .int32:
            throw SafeTensorsError(file: source, tensor: name, kind: .wrongDType(expected: "float", actual: dtype))
        }
    }

    /// The values as `Int64` (row-major).
    /// - Throws: ``SafeTensorsError`` `.wrongDType` for floating-point tensors.
    public func int64s() throws(SafeTensorsError) -> [Int64] {
        let n = count
        switch dtype {
        case .int64:
            return bytes.withUnsafeBytes { raw in
                (0..<n).map { Int64(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian) }
            }
        case .int32:
            return bytes.withUnsafeBytes { raw in
                (0..<n).map { Int64(Int32(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian)) }
            }
        default:
            throw SafeTensorsError(file: source, tensor: name, kind: .wrongDType(expected: "integer", actual: dtype))
        }
    }
}
