import Synchronization

/// Counts calls of a stub closure (escaping closures cannot capture an `Atomic` itself).
final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts one call; returns the count with it.
    @discardableResult
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }

    var value: Int { count.load(ordering: .relaxed) }
}
