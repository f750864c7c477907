import Foundation

/// Serialises named tensors to the safetensors format.
///
/// Tensors are written in the order given, 8-byte aligned header (padded with spaces, as the
/// reference implementation does), keys of `__metadata__` sorted so the output is deterministic:
/// the same tensors and metadata always give byte-identical files.
public struct SafeTensorsWriter: Sendable {
    /// A tensor to write.
    public struct Entry: Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: DType
        public var bytes: Data

        /// A float tensor stored as F32, F16 or BF16 (round-to-nearest-even).
        /// - Precondition: `values.count == shape.product`, `dtype` is a float type narrower than F64.
        public init(name: String, shape: [Int], floats values: [Float], dtype: DType = .float32) {
            precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
            self.name = name
            self.shape = shape
            self.dtype = dtype
            var data = Data(capacity: values.count * dtype.byteSize)
            switch dtype {
            case .float32:
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            case .float16:
                for v in values { withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            case .bfloat16:
                for v in values { withUnsafeBytes(of: Self.bfloat16Bits(v).littleEndian) { data.append(contentsOf: $0) } }
            case .float64:
                for v in values { withUnsafeBytes(of: Double(v).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            case .int64, .int32:
                preconditionFailure("\(name): float values cannot be stored as \(dtype.rawValue)")
            }
            self.bytes = data
        }

        /// A float64 tensor.
        public init(name: String, shape: [Int], doubles values: [Double]) {
            precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
            self.name = name
            self.shape = shape
            self.dtype = .float64
            var data = Data(capacity: values.count * 8)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            self.bytes = data
        }

        /// An int64 tensor.
        public init(name: String, shape: [Int], int64s values: [Int64]) {
            precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
            self.name = name
            self.shape = shape
            self.dtype = .int64
            var data = Data(capacity: values.count * 8)
            for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
            self.bytes = data
        }

        /// bfloat16 by round-to-nearest-even of the float32 bits (NaN kept quiet).
        static func bfloat16Bits(_ v: Float) -> UInt16 {
            let bits = v.bitPattern
            if v.isNaN { return UInt16(bits >> 16) | 0x40 }
            let rounding = ((bits >> 16) & 1) + 0x7FFF
            return UInt16((bits &+ rounding) >> 16)
        }
    }

    public init() {}

    /// The file's bytes.
    public func serialize(_ entries: [Entry], metadata: [String: String] = [:]) -> Data {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let end = offset + entry.bytes.count
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append("\(Self.jsonString(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for entry in entries { data.append(entry.bytes) }
        return data
    }

    /// A JSON string literal.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
