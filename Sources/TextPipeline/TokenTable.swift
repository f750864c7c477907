/// An open-addressing hash table from tokens (their UTF-8 bytes) to dense indices `0..<count`.
///
/// Keys are compared byte for byte, never with Swift's `String ==` (which uses canonical
/// equivalence), so `café` precomposed and decomposed are different keys, as in Python.
/// Lookups take a byte buffer and allocate nothing. Linear probing in a table kept at most half
/// full; each slot holds the key's index and the top 32 bits of its hash, so a probe rarely
/// touches the key bytes of a non-matching key. The hash reads 8 bytes at a time (a
/// multiply–xorshift mix with the constants of MurmurHash3's 64-bit finaliser); it is fixed, not
/// seeded, so iteration-independent results need no seed and the table's layout is reproducible.
struct TokenTable: Sendable {
    /// All keys' bytes, back to back; key `i` is `storage[starts[i]..<starts[i + 1]]`.
    private var storage: [UInt8] = []
    private var starts: [Int] = [0]
    /// `0` = empty, else `(hash >> 32) << 32 | (index + 1)`. The count is a power of two.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)

    /// The number of keys.
    var count: Int { starts.count - 1 }

    /// The bytes of key `index`.
    func key(at index: Int) -> ArraySlice<UInt8> {
        storage[starts[index]..<starts[index + 1]]
    }

    /// The index of `key`, if present.
    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = Self.hash(key)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        return slots.withUnsafeBufferPointer { slots in
            starts.withUnsafeBufferPointer { starts in
                storage.withUnsafeBufferPointer { storage in
                    let mask = slots.count - 1
                    var slot = Int(truncatingIfNeeded: hash) & mask
                    while true {
                        let entry = slots[slot]
                        if entry == 0 { return nil }
                        if entry & 0xFFFF_FFFF_0000_0000 == tag {
                            let index = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                            if Self.equal(storage, starts[index], starts[index + 1], key) { return index }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    /// Adds `key` if absent; returns its index and whether it was added.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> (index: Int, inserted: Bool) {
        if let index = index(of: key) { return (index, false) }
        let index = count
        storage.append(contentsOf: key)
        starts.append(storage.count)
        if (index + 1) * 2 > slots.count { grow() } else { place(index, hash: Self.hash(key)) }
        return (index, true)
    }

    private mutating func place(_ index: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
    }

    /// Doubles the slot array and places every key again.
    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for index in 0..<count {
            let hash = storage.withUnsafeBufferPointer {
                Self.hash(UnsafeBufferPointer(rebasing: $0[starts[index]..<starts[index + 1]]))
            }
            place(index, hash: hash)
        }
    }

    @inline(__always)
    private static func equal(
        _ storage: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ key: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard end - start == key.count else { return false }
        var offset = 0
        while offset < key.count {
            if storage[start + offset] != key[offset] { return false }
            offset += 1
        }
        return true
    }

    /// A 64-bit hash of `bytes`, 8 bytes per step (tail read as 4 + 2 + 1 bytes).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress.map(UnsafeRawPointer.init) else { return mix(hash) }
        var offset = 0
        let count = bytes.count
        while count - offset >= 8 {
            hash = mix(hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        if count - offset >= 4 {
            tail = UInt64(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            offset += 4
            shift = 32
        }
        if count - offset >= 2 {
            tail |= UInt64(base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) << shift
            offset += 2
            shift += 16
        }
        if count - offset >= 1 {
            tail |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
        }
        return mix(hash ^ tail)
    }

    /// MurmurHash3's 64-bit finaliser (`fmix64`).
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
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
