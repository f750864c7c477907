import Foundation

/// The reference notebook's evaluation sample: row indices into the AG News test split.
///
/// The file (`eval_idx_seed42.txt`) holds one 0-based row index (into the test split in file
/// order) a line, in the order `np.random.seed(42); np.random.choice(np.arange(7600), 5000)`
/// drew them. The draws are *with* replacement: 5,000 indices, 3,608 distinct. The notebook's
/// "sample accuracy" counts every draw, repeats included, so ``indices`` keeps them all, in order.
///
/// Format accepted: ASCII decimal integers, one a line, LF (or CRLF) line ends, the last line's
/// end optional. Anything else (blank lines, signs, spaces) is an error naming the line.
public struct EvaluationSample: Sendable, Hashable {
    /// The row indices in draw order, repeats included.
    public let indices: [Int]

    /// A sample with the given row indices.
    public init(indices: [Int]) {
        self.indices = indices
    }

    /// Reads an index file.
    ///
    /// - Parameters:
    ///   - url: the file, e.g. `eval_idx_seed42.txt`.
    ///   - rowCount: if given, the size of the split; every index must be below it
    ///     (7,600 for the AG News test split).
    /// - Throws: ``EvaluationSampleError`` naming `url.path` and the offending line.
    public init(contentsOf url: URL, rowCount: Int? = nil) throws(EvaluationSampleError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EvaluationSampleError(file: url.path, line: nil, kind: .unreadable(error.localizedDescription))
        }
        try self.init(data: data, source: url.path, rowCount: rowCount)
    }

    /// Parses the bytes of an index file.
    ///
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - source: the file name that errors report.
    ///   - rowCount: if given, every index must be below it.
    /// - Throws: ``EvaluationSampleError``.
    public init(data: Data, source: String, rowCount: Int? = nil) throws(EvaluationSampleError) {
        var indices: [Int] = []
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (offset, rawLine) in lines.enumerated() {
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let fail = { (kind: EvaluationSampleError.Kind) in
                EvaluationSampleError(file: source, line: offset + 1, kind: kind)
            }
            guard !line.isEmpty, line.count <= 18, line.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else {
                throw fail(.notAnIndex(String(decoding: line, as: UTF8.self)))
            }
            let index = line.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            if let rowCount, index >= rowCount {
                throw fail(.indexOutOfRange(index: index, rowCount: rowCount))
            }
            indices.append(index)
        }
        if indices.isEmpty { throw EvaluationSampleError(file: source, line: nil, kind: .empty) }
        self.indices = indices
    }

    /// The number of distinct rows in the sample.
    public var distinctCount: Int { Set(indices).count }

    /// The sampled rows of `rows`, in draw order (a row drawn twice appears twice).
    ///
    /// - Parameter rows: the split the indices address, in file order.
    /// - Returns: `indices.map { rows[$0] }`, or `nil` if an index is outside `rows`.
    public func select<Row>(from rows: [Row]) -> [Row]? {
        guard indices.allSatisfy({ $0 < rows.count }) else { return nil }
        return indices.map { rows[$0] }
    }
}
