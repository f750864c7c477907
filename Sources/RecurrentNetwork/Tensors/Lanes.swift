/// Eight-float SIMD lanes for the element loops of the recurrent cells, with partial loads and
/// stores for a row's last `count < 8` elements (so any hidden size works, and multiples of 8 —
/// the usual sizes — never take the partial path).
enum Lanes {
    typealias Vector = SIMD8<Float>
    /// Elements per vector.
    static let width = 8

    /// Loads `count` (1...8) floats from `pointer`; missing lanes are 0.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>, _ count: Int) -> Vector {
        if count == width { return UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self) }
        var vector = Vector()
        for lane in 0..<count { vector[lane] = pointer[lane] }
        return vector
    }

    /// Loads `count` floats from a mutable pointer.
    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> Vector {
        load(UnsafePointer(pointer), count)
    }

    /// Stores the first `count` (1...8) lanes of `vector` at `pointer`.
    @inline(__always)
    static func store(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == width {
            UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
            return
        }
        for lane in 0..<count { pointer[lane] = vector[lane] }
    }
}
