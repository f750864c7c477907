/// A fixed-size, heap-allocated float32 buffer addressed by raw pointer: the working storage of
/// the training forward and backward passes, where nested `withUnsafeMutableBufferPointer`
/// closures over a dozen arrays would obscure the numerics.
///
/// Reference type; the pointer stays valid while the buffer lives. Not `Sendable`: a buffer
/// belongs to the one pass that created it.
final class FloatBuffer {
    /// First element.
    let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    let count: Int

    /// `count` elements, zero-filled.
    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// `count` elements left uninitialized, for buffers that are written in full before being read
    /// (GEMM outputs with β = 0, cell kernel outputs); saves a memset per buffer.
    init(uninitializedCount count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// Pointer to element `offset`.
    @inline(__always)
    func at(_ offset: Int) -> UnsafeMutablePointer<Float> { pointer + offset }

    /// Sets every element to zero.
    func zero() { pointer.update(repeating: 0, count: count) }

    /// The elements as an array.
    func array() -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
