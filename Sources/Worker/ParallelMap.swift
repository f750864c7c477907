import Dispatch

/// Maps over a batch's items on several threads (`DispatchQueue.concurrentPerform`), for the
/// per-item work around the model (decoding, tokenizing, writing outputs), which would
/// otherwise run on one core while the others wait for the next batch.
enum ParallelMap {
    /// `transform(0) … transform(count - 1)`, in order, computed in up to `threadCount`
    /// contiguous chunks of at least `minimumChunk` items (one chunk: on the calling thread).
    /// `transform` must be safe to call concurrently.
    static func map<T>(
        count: Int, threadCount: Int, minimumChunk: Int = 16, _ transform: (Int) -> T
    ) -> [T] {
        let chunks = min(max(1, threadCount), max(1, count / max(1, minimumChunk)))
        if chunks == 1 {
            return (0..<count).map(transform)
        }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = OutputBuffer(base: buffer.baseAddress!)
            withoutActuallyEscaping(transform) { transform in
                let work = UnsafeTransform(transform: transform)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    for index in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) {
                        (output.base + index).initialize(to: work.transform(index))
                    }
                }
            }
            initialized = count
        }
    }

    /// The result buffer; each chunk initializes its own disjoint range.
    private struct OutputBuffer<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }

    /// The caller's closure, called concurrently (the caller promised it is safe).
    private struct UnsafeTransform<T>: @unchecked Sendable {
        let transform: (Int) -> T
    }
}
