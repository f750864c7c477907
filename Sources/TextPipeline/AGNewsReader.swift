import Foundation

/// Reads AG News in its original CSV format (Zhang et al., NIPS 2015), plain or gzip-compressed.
///
/// The format: no header; one row a line, `"class_index","title","description"`; every field in
/// double quotes with an internal `"` doubled (`""`); LF line ends (CRLF is accepted too);
/// `class_index` in 1…4. Fields never span lines in AG News, so a quote left open at the end of a
/// line is an error, not a multi-line field. An unquoted field is accepted (RFC 4180) as long as it
/// holds no `"`. A UTF-8 byte-order mark at the very start is skipped.
///
/// Each row becomes a ``NewsItem`` by the Hugging Face `ag_news` convention:
/// `text = title + " " + description` with no other change, `label = class_index − 1`.
///
/// A file is read completely or not at all: the first malformed row throws, naming the file and
/// the row's 1-based line, and no rows are returned.
public enum AGNewsReader {
    /// The number of classes (World, Sports, Business, Sci/Tech).
    public static let classCount = 4

    /// Reads every row of an AG News CSV file (`.csv`, or gzip such as `.csv.gz`).
    ///
    /// Gzip is recognised by its magic bytes and decompressed with zlib; a file named `.gz` that
    /// is not gzip is refused (read as CSV it would only give a confusing first-row error).
    ///
    /// - Parameter url: the file.
    /// - Returns: the rows in file order.
    /// - Throws: ``AGNewsReaderError`` naming `url.path` (and the line for a bad row).
    public static func read(contentsOf url: URL) throws(AGNewsReaderError) -> [NewsItem] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw AGNewsReaderError(file: url.path, line: nil, kind: .unreadable(error.localizedDescription))
        }
        if url.pathExtension == "gz" && !Gzip.isGzip(data) {
            throw AGNewsReaderError(file: url.path, line: nil, kind: .gzip(GzipError(.notGzip)))
        }
        return try parse(data, source: url.path)
    }

    /// Parses the bytes of an AG News CSV file (plain or gzip).
    ///
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - source: the file name that errors report.
    /// - Returns: the rows in file order.
    /// - Throws: ``AGNewsReaderError``.
    public static func parse(_ data: Data, source: String) throws(AGNewsReaderError) -> [NewsItem] {
        var csv = data
        if Gzip.isGzip(data) {
            do {
                csv = try Gzip.decompress(data)
            } catch {
                throw AGNewsReaderError(file: source, line: nil, kind: .gzip(error))
            }
        }
        let result = csv.withUnsafeBytes { raw in
            parseRows(raw.assumingMemoryBound(to: UInt8.self), source: source)
        }
        let items = try result.get()
        if items.isEmpty { throw AGNewsReaderError(file: source, line: nil, kind: .empty) }
        return items
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// A field's byte range within the file.
    private struct Field {
        var start: Int
        var end: Int
        /// Whether `""` pairs inside need un-doubling.
        var hasDoubledQuotes: Bool
    }

    private static func parseRows(
        _ bytes: UnsafeBufferPointer<UInt8>, source: String
    ) -> Result<[NewsItem], AGNewsReaderError> {
        var items: [NewsItem] = []
        var fields: [Field] = []
        var text: [UInt8] = []
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            var next = start
            while next < bytes.count && bytes[next] != lineFeed { next += 1 }
            var end = next
            if end > start && bytes[end - 1] == carriageReturn { end -= 1 }
            let fail = { (kind: AGNewsReaderError.Kind) in
                AGNewsReaderError(file: source, line: lineNumber, kind: kind)
            }
            if end == start { return .failure(fail(.emptyLine)) }
            if let kind = splitFields(bytes, start, end, into: &fields) { return .failure(fail(kind)) }
            guard fields.count == 3 else { return .failure(fail(.wrongFieldCount(found: fields.count))) }

            let classField = fields[0]
            let classValue = classField.end - classField.start == 1 ? bytes[classField.start] : 0
            guard classValue >= UInt8(ascii: "1") && classValue <= UInt8(ascii: "4") else {
                let raw = UnsafeBufferPointer(rebasing: bytes[classField.start..<classField.end])
                return .failure(fail(.invalidClass(String(decoding: raw, as: UTF8.self))))
            }

            text.removeAll(keepingCapacity: true)
            appendUnquoted(fields[1], of: bytes, to: &text)
            text.append(UInt8(ascii: " "))
            appendUnquoted(fields[2], of: bytes, to: &text)
            guard let string = String(validating: text, as: UTF8.self) else {
                return .failure(fail(.invalidUTF8))
            }
            items.append(NewsItem(text: string, label: Int(classValue - UInt8(ascii: "1"))))
            start = next + 1
        }
        return .success(items)
    }

    /// Splits the line `bytes[start..<end]` into fields; returns the problem, if any.
    private static func splitFields(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into fields: inout [Field]
    ) -> AGNewsReaderError.Kind? {
        fields.removeAll(keepingCapacity: true)
        var position = start
        while true {
            let fieldNumber = fields.count + 1
            if position < end && bytes[position] == quote {
                var scan = position + 1
                var doubled = false
                while true {
                    while scan < end && bytes[scan] != quote { scan += 1 }
                    if scan == end { return .unterminatedQuote(field: fieldNumber) }
                    if scan + 1 < end && bytes[scan + 1] == quote {
                        doubled = true
                        scan += 2
                        continue
                    }
                    break
                }
                fields.append(Field(start: position + 1, end: scan, hasDoubledQuotes: doubled))
                position = scan + 1
                if position == end { return nil }
                guard bytes[position] == comma else { return .textAfterClosingQuote(field: fieldNumber) }
                position += 1
            } else {
                var scan = position
                while scan < end && bytes[scan] != comma {
                    if bytes[scan] == quote { return .quoteInUnquotedField(field: fieldNumber) }
                    scan += 1
                }
                fields.append(Field(start: position, end: scan, hasDoubledQuotes: false))
                if scan == end { return nil }
                position = scan + 1
            }
        }
    }

    /// Appends a field's value, turning each `""` back into `"`.
    private static func appendUnquoted(_ field: Field, of bytes: UnsafeBufferPointer<UInt8>, to text: inout [UInt8]) {
        let raw = UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])
        guard field.hasDoubledQuotes else {
            text.append(contentsOf: raw)
            return
        }
        var index = 0
        while index < raw.count {
            text.append(raw[index])
            index += raw[index] == quote ? 2 : 1
        }
    }
}
