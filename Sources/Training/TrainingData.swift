import Checkpoint
import Classification
import Foundation
import JSON
import TextPipeline
import WireFormat

/// Labelled news items read from a file, with the file's identity.
///
/// Two formats, plain or gzip (recognised by magic bytes), told apart by the first non-blank
/// byte of the (decompressed) content:
/// - AG News CSV (``AGNewsReader``): `"class","title","description"`, class 1…4 → label 0…3;
/// - JSONL: one JSON object a line in the input-topic schema (DESIGN.md "Messages": `text`, or
///   `title` and/or `description`; read with ``NewsInput/decode(_:maxBytes:)``) plus a `label`
///   field that is a class name (`"Sports"`) or a 0-based class id (`1`). Blank lines are skipped.
public struct TrainingData: Sendable {
    /// The rows in file order.
    public var items: [NewsItem]
    /// The file's path as given.
    public var path: String
    /// `sha256:` and the hex SHA-256 of the file's bytes as stored (compressed or not).
    public var fileDigest: String
    /// Whether the content is the original AG News test split (7,600 rows), so that the
    /// notebook's 5,000-item sample (``EvaluationSample/notebook``) applies.
    public var isAGNewsTestSplit: Bool

    /// Items with their identity (for tests and callers that build data in memory).
    public init(items: [NewsItem], path: String, fileDigest: String, isAGNewsTestSplit: Bool = false) {
        self.items = items
        self.path = path
        self.fileDigest = fileDigest
        self.isAGNewsTestSplit = isAGNewsTestSplit
    }

    /// Reads a CSV or JSONL file.
    /// - Parameters:
    ///   - url: the file.
    ///   - labels: the class names; JSONL labels must be one of them or an id below their count.
    ///   - limit: keep only the first this many rows (`nil`: all); later rows are still checked.
    /// - Throws: ``TrainingError`` `.unreadableData` (missing file, bad gzip, bad row: file and
    ///   line named), `.unknownLabel`, `.emptyTrainingSet` when the file has no rows.
    public init(contentsOf url: URL, labels: [String], limit: Int? = nil) throws(TrainingError) {
        let raw: Data
        do {
            raw = try Data(contentsOf: url)
        } catch {
            throw TrainingError(.unreadableData("\(url.path): cannot read the file (\(error.localizedDescription))"))
        }
        var content = raw
        if url.pathExtension == "gz" && !Gzip.isGzip(raw) {
            throw TrainingError(.unreadableData("\(url.path): \(GzipError(.notGzip))"))
        }
        if Gzip.isGzip(raw) {
            do {
                content = try Gzip.decompress(raw)
            } catch {
                throw TrainingError(.unreadableData("\(url.path): \(error)"))
            }
        }
        let firstByte = content.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        var items: [NewsItem]
        if firstByte == UInt8(ascii: "{") {
            items = try Self.parseJSONLines(content, source: url.path, labels: labels)
        } else if content.isEmpty || firstByte == nil {
            throw TrainingError(.emptyTrainingSet(file: url.path, problem: "the file holds no rows"))
        } else {
            do {
                items = try AGNewsReader.parse(content, source: url.path)
            } catch {
                throw TrainingError(.unreadableData(error.description))
            }
            if let bad = items.firstIndex(where: { $0.label >= labels.count }) {
                throw TrainingError(.unknownLabel(InputLocation(file: url.path, line: bad + 1), label: String(items[bad].label + 1)))
            }
        }
        if items.isEmpty { throw TrainingError(.emptyTrainingSet(file: url.path, problem: "the file holds no rows")) }
        if let limit, items.count > limit { items.removeSubrange(limit...) }
        self.init(
            items: items, path: url.path, fileDigest: Checkpoint.digest(of: raw),
            isAGNewsTestSplit: items.count == 7600 && Checkpoint.digest(of: content) == EvaluationSample.agNewsTestSplitDigest)
    }

    /// Parses JSONL rows (see the type's documentation).
    static func parseJSONLines(_ content: Data, source: String, labels: [String]) throws(TrainingError) -> [NewsItem] {
        var items: [NewsItem] = []
        let bytes = [UInt8](content)
        var start = 0
        var line = 0
        while start < bytes.count {
            line += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let row = Array(bytes[start..<end])
            start = end + 1
            if row.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let input: NewsInput
            switch NewsInput.decode(row, maxBytes: Int.max) {
            case .success(let decoded): input = decoded
            case .failure(let reason):
                throw TrainingError(.unreadableData("\(source):\(line): \(reason.kind.rawValue): \(reason.message)"))
            }
            guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(row)) else {
                throw TrainingError(.unreadableData("\(source):\(line): not a JSON object"))
            }
            let label: Int
            switch fields["label"] {
            case .string(let name)?:
                guard let index = labels.firstIndex(of: name) else {
                    throw TrainingError(.unknownLabel(InputLocation(file: source, line: line), label: name))
                }
                label = index
            case .integer(let id)?:
                guard id >= 0 && id < labels.count else {
                    throw TrainingError(.unknownLabel(InputLocation(file: source, line: line), label: String(id)))
                }
                label = Int(id)
            case nil, .null?:
                throw TrainingError(.unreadableData("\(source):\(line): no 'label' field (a class name or a 0-based id)"))
            case let other?:
                throw TrainingError(.unreadableData(
                    "\(source):\(line): field 'label' is a \(other.typeName), expected a class name or a 0-based id"))
            }
            items.append(NewsItem(text: input.text, label: label))
        }
        return items
    }
}
