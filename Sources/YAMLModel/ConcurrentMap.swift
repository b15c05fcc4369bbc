import Foundation

extension Array where Element: Sendable {
    /// `transform` of every element, on every core, in order. `transform` must be safe to
    /// call concurrently.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let results = ResultSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            _ = results.set(i, transform(self[i]))
        }
        return results.values
    }
}

/// Results filled in by concurrent workers, one slot each, read back in order.
public final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private var filled = 0
    private let lock = NSLock()

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores the value of slot `i`; returns how many slots are filled now.
    public func set(_ i: Int, _ value: Value) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[i] = value
        filled += 1
        return filled
    }

    public var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
