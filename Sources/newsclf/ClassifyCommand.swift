import ArgumentParser
import Classification
import Foundation
import TextPipeline
import WireFormat

/// `newsclf classify [--model DIR] (TEXT | --file FILE)`.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify a text, or a JSONL file of input-topic messages.",
        discussion: """
            With TEXT, prints one JSON line for it. With --file, reads one JSON object a line in \
            the input-topic schema ({"id", "text"} or {"id", "title", "description"}) and prints \
            one JSON line per item in the output-topic schema (without "source"), in input order. \
            A bad line is reported on standard error with its line number and error kind, and \
            makes the exit code 2 once every other line is classified. Text is sanitised as the \
            worker does (zero-width spaces become spaces, other Unicode format characters go); \
            a text with no word of the model's vocabulary gets no label: it is the bad item of \
            kind no_tokens (exit code 2).
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The text to classify.")
    var text: String?

    @Option(help: "JSONL file of input messages (- for standard input).")
    var file: String?

    @Option(help: "Items per batch.")
    var batchSize: Int = 64

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give either TEXT or --file FILE") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let classifier = try modelOptions.loadClassifier()
        let specialTokens = classifier.encoder.vocabulary.specialTokens
        var inputs: [(input: NewsInput, encoded: EncodedText)] = []
        var badLines = 0
        if let text {
            guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
                throw CommandFailure.badInput("TEXT is empty")
            }
            let encoded = classifier.encode(TextSanitizer.sanitize(text))
            if let reason = DeadLetterReason.noTokens(in: encoded, specialTokens: specialTokens) {
                throw CommandFailure.badInput("TEXT: \(reason)")
            }
            inputs.append((NewsInput(id: nil, text: text), encoded))
        } else if let file {
            let data: Data
            do {
                data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw CommandFailure.badInput("\(file): cannot read: \(error.localizedDescription)")
            }
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                var bytes = Array(line)
                if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                let decoded = NewsInput.decode(bytes).flatMap { input in
                    let encoded = classifier.encode(input.text)
                    return DeadLetterReason.noTokens(in: encoded, specialTokens: specialTokens)
                        .map { .failure($0) } ?? .success((input: input, encoded: encoded))
                }
                switch decoded {
                case .success(let entry): inputs.append(entry)
                case .failure(let reason):
                    badLines += 1
                    FileHandle.standardError.write(Data("newsclf: \(file):\(lineNumber): \(reason)\n".utf8))
                }
            }
        }
        let model = LabelMessage.Model(name: classifier.name, digest: classifier.digest)
        let out = FileHandle.standardOutput
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let batch = inputs[start..<min(start + batchSize, inputs.count)]
            let predictions: [Prediction]
            do {
                predictions = try classifier.classify(batch.map(\.encoded))
            } catch {
                throw CommandFailure.runtime(error.description)
            }
            var chunk: [UInt8] = []
            for ((input, _), prediction) in zip(batch, predictions) {
                let message = LabelMessage(id: input.id, prediction: prediction, labels: classifier.labels, model: model, source: nil)
                chunk += try message.jsonBytes() + [UInt8(ascii: "\n")]
            }
            out.write(Data(chunk))
        }
        if badLines > 0 {
            throw CommandFailure.badInput("\(badLines) line\(badLines == 1 ? "" : "s") of \(file ?? "input") could not be classified (see above)")
        }
    }
}
