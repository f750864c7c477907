import Foundation

/// A value guarded by a lock.
///
/// `@unchecked Sendable`: every access to `value` goes through `withLock`, which holds the lock
/// for the whole closure, so no two threads touch it at once.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
