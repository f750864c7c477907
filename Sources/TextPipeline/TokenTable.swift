/// An open-addressing hash table from tokens (their UTF-8 bytes) to dense indices `0..<count`.
///
/// Keys are compared byte for byte, never with Swift's `String ==` (which uses canonical
/// equivalence), so `café` precomposed and decomposed are different keys, as in Python.
/// Lookups take a byte buffer and allocate nothing. The hash is 64-bit FNV-1a; the table stays
/// at most half full (linear probing).
struct TokenTable: Sendable {
    /// All keys' bytes, back to back; key `i` is `storage[starts[i]..<starts[i + 1]]`.
    private var storage: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Slot → key index, or −1 when empty. The count is a power of two.
    private var slots: [Int32] = Array(repeating: -1, count: 16)

    /// The number of keys.
    var count: Int { hashes.count }

    /// The bytes of key `index`.
    func key(at index: Int) -> ArraySlice<UInt8> {
        storage[starts[index]..<starts[index + 1]]
    }

    /// The index of `key`, if present.
    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let candidate = Int(slots[slot])
                if candidate < 0 { return nil }
                if hashes[candidate] == hash && matches(candidate, key) { return candidate }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Adds `key` if absent; returns its index and whether it was added.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> (index: Int, inserted: Bool) {
        let hash = Self.hash(key)
        var mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let candidate = Int(slots[slot])
            if hashes[candidate] == hash && matches(candidate, key) { return (candidate, false) }
            slot = (slot + 1) & mask
        }
        let index = hashes.count
        storage.append(contentsOf: key)
        starts.append(storage.count)
        hashes.append(hash)
        if (index + 1) * 2 > slots.count {
            grow()
            mask = slots.count - 1
            slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
        }
        slots[slot] = Int32(index)
        return (index, true)
    }

    private func matches(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[index]
        guard starts[index + 1] - start == key.count else { return false }
        return storage.withUnsafeBufferPointer { storage in
            for offset in 0..<key.count where storage[start + offset] != key[offset] { return false }
            return true
        }
    }

    /// Doubles the slot array and re-inserts every key already stored (except the last one).
    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for index in 0..<(hashes.count - 1) {
            var slot = Int(truncatingIfNeeded: hashes[index]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// 64-bit FNV-1a (Fowler, Noll, Vo).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

extension TokenTable {
    /// The index of `key`'s UTF-8 bytes, if present.
    func index(of key: String) -> Int? {
        var key = key
        return key.withUTF8 { index(of: $0) }
    }

    /// Adds `key`'s UTF-8 bytes if absent.
    @discardableResult
    mutating func insert(_ key: String) -> (index: Int, inserted: Bool) {
        var key = key
        return key.withUTF8 { insert($0) }
    }
}
