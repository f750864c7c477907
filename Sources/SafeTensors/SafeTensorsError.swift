/// A safetensors file could not be read or written.
///
/// Every error names the file and, where one is involved, the tensor.
public struct SafeTensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable(String)
        /// The file is shorter than its header says.
        case truncated(expected: Int, actual: Int)
        /// The JSON header is not of the format's form.
        case malformedHeader(String)
        /// A dtype this reader does not know.
        case unsupportedDType(String)
        /// The byte range does not match `shape` × the dtype's size.
        case sizeMismatch(shape: [Int], dtype: DType, bytes: Int)
        /// The tensor was asked for but is not in the file.
        case missingTensor
        /// The tensor's values cannot be converted to the requested element type.
        case wrongDType(expected: String, actual: DType)
        /// The file could not be written.
        case unwritable(String)
    }

    /// The file (path) the error is about.
    public var file: String
    /// The tensor the error is about, if any.
    public var tensor: String?
    /// What went wrong.
    public var kind: Kind

    public init(file: String, tensor: String?, kind: Kind) {
        self.file = file
        self.tensor = tensor
        self.kind = kind
    }

    public var description: String {
        let place = tensor.map { "\(file): tensor '\($0)'" } ?? file
        switch kind {
        case .unreadable(let why): return "\(place): cannot read the file (\(why))"
        case .truncated(let expected, let actual):
            return "\(place): file is truncated (needs at least \(expected) bytes, has \(actual))"
        case .malformedHeader(let why): return "\(place): malformed safetensors header: \(why)"
        case .unsupportedDType(let name): return "\(place): unsupported dtype \(name)"
        case .sizeMismatch(let shape, let dtype, let bytes):
            return "\(place): \(bytes) bytes do not hold shape \(shape) of \(dtype.rawValue)"
        case .missingTensor: return "\(place): tensor is missing"
        case .wrongDType(let expected, let actual):
            return "\(place): dtype \(actual.rawValue) cannot be read as \(expected)"
        case .unwritable(let why): return "\(place): cannot write the file (\(why))"
        }
    }
}
