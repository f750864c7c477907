/// A C character buffer for librdkafka functions that report failures through an
/// `(char *errstr, size_t errstr_size)` pair.
enum CErrorBuffer {
    /// Calls `body` with a zeroed 512-byte buffer and its size, and returns its result together
    /// with the text librdkafka wrote into the buffer.
    static func call<T>(_ body: (UnsafeMutablePointer<CChar>, Int) -> T) -> (T, String) {
        let size = 512
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: size)
        let result = body(buffer, size)
        buffer[size - 1] = 0
        return (result, String(cString: buffer))
    }
}
