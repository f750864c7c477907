/// A dense float32 tensor on a flat row-major buffer.
///
/// The layout is PyTorch's contiguous one: the last dimension varies fastest, so a `[rows, cols]`
/// matrix stores row `r` at `values[r * cols ..< (r + 1) * cols]`, and a linear layer's weight is
/// `[out, in]` as in `nn.Linear`.
public struct Tensor: Sendable, Equatable {
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// The elements, row-major; `values.count == shape.product`.
    public var values: [Float]

    /// A tensor with the given shape and values.
    /// - Precondition: `values.count` equals the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.values = Array(repeating: 0, count: shape.reduce(1, *))
    }

    /// Number of elements.
    public var count: Int { values.count }
}
