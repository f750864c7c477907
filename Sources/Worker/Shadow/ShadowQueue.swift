/// The bounded first-in-first-out queue between the batch loop and the shadow model's thread.
///
/// When the shadow falls behind the queue fills, and a batch offered then is dropped (and
/// counted by the caller) instead of waiting: the labels never wait for the shadow.
public struct ShadowQueue<Element: Sendable>: Sendable {
    /// The most batches waiting.
    public let capacity: Int
    /// Oldest first; at most ``capacity`` (a handful), so removing the first is cheap.
    private var elements: [Element] = []

    /// - Parameter capacity: the most elements waiting, at least 1.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Elements waiting.
    public var count: Int { elements.count }

    /// Appends `element` unless the queue is full.
    ///
    /// - Returns: `false` when the queue was full and `element` was not added (dropped).
    public mutating func enqueue(_ element: Element) -> Bool {
        guard count < capacity else { return false }
        elements.append(element)
        return true
    }

    /// Removes and returns the oldest element, or `nil` when empty.
    public mutating func dequeue() -> Element? {
        elements.isEmpty ? nil : elements.removeFirst()
    }
}
