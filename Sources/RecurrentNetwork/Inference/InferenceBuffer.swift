/// A fixed-size, 64-byte-aligned float32 buffer owned by the inference engine.
///
/// The engine's weights live in these (immutable after the engine is built) so the hot loops
/// get stable pointers without closures, and each call's scratch memory is one of these too.
/// 64-byte alignment matches an AVX-512 register and a cache line.
final class InferenceBuffer: @unchecked Sendable {
    // @unchecked Sendable: weight buffers are written only during the engine's `init`, before
    // the engine is shared; scratch buffers never leave the call (and thread) that made them.

    /// The first element.
    let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    let count: Int

    /// An uninitialized buffer of `count` floats.
    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
    }

    /// A buffer of `count` zeros.
    convenience init(zeros count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: 0, count: count)
    }

    /// A buffer holding `values`.
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: source.count) }
        }
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
