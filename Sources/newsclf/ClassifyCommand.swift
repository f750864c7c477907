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
            kind no_tokens (exit code 2). With --abstain-below P (and per label, \
            --abstain-below-per-label Label=P,…), an item whose top probability is below its \
            threshold keeps its label and adds "abstained": true, as the worker's abstain_below \
            does; without them the output has no "abstained" key.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The text to classify.")
    var text: String?

    @Option(help: "JSONL file of input messages (- for standard input).")
    var file: String?

    @Option(help: "Items per batch.")
    var batchSize: Int = 64

    @Option(help: ArgumentHelp("Mark an item \"abstained\": true when its top probability is below P, in (0, 1).", valueName: "P"))
    var abstainBelow: String?

    @Option(help: ArgumentHelp("Per-label thresholds overriding --abstain-below for that top label.", valueName: "Label=P,…"))
    var abstainBelowPerLabel: String?

    /// The abstain rule of the two options, checked against the model's labels.
    /// - Throws: ``CommandFailure/badInput(_:)`` naming the option and the value.
    func abstainPolicy(labels: [String]) throws -> AbstainPolicy {
        var threshold: Float?
        if let abstainBelow {
            guard let value = Float(abstainBelow.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0, value < 1
            else {
                throw CommandFailure.badInput("--abstain-below: \"\(abstainBelow)\" is not a probability strictly between 0 and 1")
            }
            threshold = value
        }
        do throws(AbstainPolicyError) {
            let perLabel = try abstainBelowPerLabel.map { text throws(AbstainPolicyError) in try AbstainPolicy.parsePerLabel(text) } ?? [:]
            let policy = try AbstainPolicy(threshold: threshold, perLabel: perLabel)
            try policy.validate(labels: labels)
            return policy
        } catch {
            let key = error.key.replacingOccurrences(of: AbstainPolicy.perLabelKey, with: "--abstain-below-per-label")
            throw CommandFailure.badInput("\(key): \(error.problem)")
        }
    }

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give either TEXT or --file FILE") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let classifier = try modelOptions.loadClassifier()
        let policy = try abstainPolicy(labels: classifier.labels)
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
                let message = LabelMessage(
                    id: input.id, prediction: prediction, labels: classifier.labels, model: model, source: nil,
                    abstained: policy.abstains(prediction))
                chunk += try message.jsonBytes() + [UInt8(ascii: "\n")]
            }
            out.write(Data(chunk))
        }
        if badLines > 0 {
            throw CommandFailure.badInput("\(badLines) line\(badLines == 1 ? "" : "s") of \(file ?? "input") could not be classified (see above)")
        }
    }
}
