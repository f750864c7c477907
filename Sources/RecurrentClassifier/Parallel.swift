import Dispatch
import Foundation

/// Splits element-wise work over the machine's cores (`DispatchQueue.concurrentPerform`), for
/// loops that are memory-bound and large enough (Adam over the embedding table).
enum Parallel {
    /// Active processor count at start-up.
    static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint ranges covering `0 ..< count`, concurrently when `count` allows
    /// chunks of at least `minimumChunk` elements. Range bounds (but the last) are multiples of 8.
    /// `body` must only touch its own range.
    static func forEachChunk(of count: Int, minimumChunk: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
        let chunks = min(coreCount, max(1, count / minimumChunk))
        if chunks == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk == 0 ? 0 : (count * chunk / chunks) & ~7
                let end = chunk == chunks - 1 ? count : (count * (chunk + 1) / chunks) & ~7
                work.value(start..<end)
            }
        }
    }
}

/// Carries a value the compiler cannot prove `Sendable` into a concurrent closure; used only
/// where each task touches a disjoint part of the memory the value points to.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
