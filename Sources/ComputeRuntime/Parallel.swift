import Dispatch
import Foundation

/// Splits work over the machine's cores with `DispatchQueue.concurrentPerform`: contiguous
/// chunks of an index range, each on its own thread, one chunk on the calling thread.
///
/// Three shapes of work use it: parts the caller balanced itself (the inference engine's item
/// groups, ``forEach(_:_:)``), element-wise loops over large buffers (Adam over the embedding
/// table, ``forEachChunk(of:threadCount:minimumChunk:alignment:_:)``) and per-item work around
/// the model (decoding, tokenizing, writing outputs, ``map(count:threadCount:minimumChunk:_:)``).
public enum Parallel {
    /// Active processor count at start-up.
    public static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(0) … body(count - 1)`, each on its own thread (one call: on the calling
    /// thread), and returns when all have returned. For work the caller has already split into
    /// `count` balanced parts (the inference engine's interleaved item groups).
    ///
    /// `body` must be safe to call concurrently.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: count) { part in work.value(part) }
        }
    }

    /// Calls `body` on disjoint ranges covering `0 ..< count`, concurrently when `count` allows
    /// chunks of at least `minimumChunk` elements, on up to `threadCount` threads. Range bounds
    /// (but the last) are multiples of `alignment` (a power of two).
    ///
    /// `body` must only touch its own range.
    public static func forEachChunk(
        of count: Int, threadCount: Int = coreCount, minimumChunk: Int = 1 << 16, alignment: Int = 8,
        _ body: (Range<Int>) -> Void
    ) {
        let chunks = chunkCount(count: count, threadCount: threadCount, minimumChunk: minimumChunk)
        if chunks == 1 {
            body(0..<count)
            return
        }
        let mask = ~(max(1, alignment) - 1)
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk == 0 ? 0 : (count * chunk / chunks) & mask
                let end = chunk == chunks - 1 ? count : (count * (chunk + 1) / chunks) & mask
                work.value(start..<end)
            }
        }
    }

    /// `transform(0) … transform(count - 1)`, in order, computed in up to `threadCount`
    /// contiguous chunks of at least `minimumChunk` items (one chunk: on the calling thread).
    ///
    /// `transform` must be safe to call concurrently.
    public static func map<T>(
        count: Int, threadCount: Int, minimumChunk: Int = 16, _ transform: (Int) -> T
    ) -> [T] {
        let chunks = chunkCount(count: count, threadCount: threadCount, minimumChunk: minimumChunk)
        if chunks == 1 {
            return (0..<count).map(transform)
        }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = UncheckedSendable(value: buffer.baseAddress!)
            withoutActuallyEscaping(transform) { transform in
                let work = UncheckedSendable(value: transform)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    for index in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) {
                        (output.value + index).initialize(to: work.value(index))
                    }
                }
            }
            initialized = count
        }
    }

    /// How many chunks `count` items make: at most `threadCount`, each at least `minimumChunk`.
    static func chunkCount(count: Int, threadCount: Int, minimumChunk: Int) -> Int {
        min(max(1, threadCount), max(1, count / max(1, minimumChunk)))
    }
}

/// Carries a value the compiler cannot prove `Sendable` into a concurrent closure; used only
/// where each task touches a disjoint part of the memory the value points to.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    /// The carried value.
    public let value: Value

    /// Wraps `value`; the caller promises that concurrent uses touch disjoint memory.
    public init(value: Value) {
        self.value = value
    }
}
