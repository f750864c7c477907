import ArgumentParser
import Classification
import ComputeRuntime
import Foundation
import TextPipeline
import Training

/// `newsclf compare --candidate DIR [--current DIR] --eval FILE [--json]`: both models on the
/// same labelled items, McNemar's exact test, and the promotion verdict (``PromotionPolicy``).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a candidate model with the current one on labelled data and decide whether to promote it.",
        discussion: """
            Both models classify every item of FILE (AG News CSV, or JSONL with `label`; plain or \
            .gz), each with its own tokenizer, vocabulary and max_length. Prints both accuracies, \
            the recall of each label, the agreement rate, the discordant counts b (current right, \
            candidate wrong) and c (candidate right, current wrong), McNemar's exact test \
            one-sided (p = P(X ≥ b), X ~ Binomial(b + c, 1/2): is the candidate worse?), the items \
            where the predictions differ, and the verdict.

            Policy: promote when the candidate's accuracy is not more than --tolerance points \
            below the current model's AND the test does not find it significantly worse \
            (p ≥ --alpha); refuse otherwise.

            Exit status: 0 promote, 3 refuse (a verdict, not an error), 2 bad input (a model that \
            does not load, a candidate whose labels are not the current model's by name and \
            order, an unreadable or corrupt data file), 1 runtime failure.
            """)

    @Option(help: "The candidate checkpoint directory.")
    var candidate: String

    @Option(help: "The current checkpoint directory (default: the shipped agnews-gru model, as --model elsewhere).")
    var current: String?

    @Option(name: .customLong("eval"), help: "Labelled data: AG News CSV or JSONL with `label` (plain or .gz).")
    var evalPath: String

    @Option(help: "Largest accuracy deficit of the candidate accepted, in percentage points (≥ 0).")
    var tolerance: Double = PromotionPolicy.standard.tolerancePoints

    @Option(help: "Significance level of the one-sided McNemar exact test, in (0, 1).")
    var alpha: Double = PromotionPolicy.standard.alpha

    @Flag(help: "Print the report as one JSON object (stable snake_case keys) instead of text.")
    var json = false

    @Option(help: "Differing items listed in the text report (0: none; the count is always given).")
    var differences: Int = 20

    @Option(help: "Items per batch, consecutive in file order. Matters only for models with the notebook's padding semantics (the notebook evaluated in batches of 32).")
    var batchSize: Int = 32

    @Option(help: "Threads for inference, 1...256; the default is the CPU count.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard tolerance >= 0 && tolerance.isFinite else { throw ValidationError("--tolerance must be ≥ 0 points, got \(tolerance)") }
        guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be in (0, 1), got \(alpha)") }
        guard differences >= 0 else { throw ValidationError("--differences must be ≥ 0") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256, got \(threads)") }
    }

    func run() throws {
        if threads > 1 { BLAS.setThreadCount(1) }
        let currentModel = try load(current, role: "current")
        let candidateModel = try load(candidate, role: "candidate")
        do {
            try ModelComparison.checkLabels(current: currentModel.labels, candidate: candidateModel.labels)
        } catch {
            throw CommandFailure.badInput("candidate \(candidate): \(error)")
        }
        let data: TrainingData
        do {
            data = try TrainingData(contentsOf: URL(fileURLWithPath: evalPath), labels: currentModel.labels)
        } catch {
            throw CommandFailure.badInput(error.description)
        }

        let comparison: ModelComparison
        do {
            comparison = try ModelComparison.compare(
                current: currentModel, candidate: candidateModel, items: data.items, batchSize: batchSize)
        } catch let error where error.kind.isClassification {
            throw CommandFailure.runtime(error.description)
        } catch {
            throw CommandFailure.badInput("\(evalPath): \(error)")
        }
        let policy = PromotionPolicy(tolerancePoints: tolerance, alpha: alpha)
        let decision = policy.decide(comparison)

        if json {
            let report = ComparisonReport(
                comparison: comparison, decision: decision, currentDigest: currentModel.digest,
                candidateDigest: candidateModel.digest)
            do {
                FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
            } catch {
                throw CommandFailure.runtime("cannot encode the report: \(error)")
            }
        } else {
            printText(comparison, decision, currentModel, candidateModel, data)
        }
        if decision.verdict == .refuse { throw CommandFailure.refused(decision.reason) }
    }

    /// Loads a model; a failure is bad input naming the role and directory.
    private func load(_ path: String?, role: String) throws -> TextClassifier {
        do {
            let directory = try path.map { URL(fileURLWithPath: $0) } ?? ShippedModel.directory()
            do {
                return try TextClassifier(directory: directory, options: .init(threadCount: threads))
            } catch {
                throw CommandFailure.badInput("\(role) model \(directory.path): \(error)")
            }
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure.badInput("\(role) model: \(error)")
        }
    }

    private func printText(
        _ comparison: ModelComparison, _ decision: PromotionDecision, _ currentModel: TextClassifier,
        _ candidateModel: TextClassifier, _ data: TrainingData
    ) {
        func ratio(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
        print("current:   \(currentModel.name) \(currentModel.digest) (\(currentModel.configuration.preprocessing.rawValue), vocabulary \(currentModel.configuration.architecture.vocabSize))")
        print("candidate: \(candidateModel.name) \(candidateModel.digest) (\(candidateModel.configuration.preprocessing.rawValue), vocabulary \(candidateModel.configuration.architecture.vocabSize))")
        print("data: \(comparison.count) items of \(data.path) (\(data.fileDigest))")
        print(String(
            format: "accuracy: current %.4f, candidate %.4f (%+.2f points)",
            comparison.currentAccuracy, comparison.candidateAccuracy, comparison.accuracyDifferencePoints))
        let width = max(8, (comparison.labels.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        print("recall per label:")
        print("  " + pad("label") + "  items  current  candidate")
        for row in comparison.recall {
            print("  " + pad(row.label) + String(format: "  %5d", row.count) + "   " + ratio(row.current) + "   " + ratio(row.candidate))
        }
        print(String(format: "agreement: %.4f (%d of %d items predicted alike)", comparison.agreement, comparison.agreeing, comparison.count))
        print("discordant pairs: b = \(comparison.b) (current right, candidate wrong), c = \(comparison.c) (candidate right, current wrong)")
        print("test: \(McNemarExactTest.name): p = \(String(format: "%.4g", decision.pValue)) (α = \(String(format: "%.4g", alpha)))")
        let shown = comparison.differences.prefix(differences)
        print("items where the predictions differ: \(comparison.differences.count)" + (shown.isEmpty ? "" : shown.count < comparison.differences.count ? " (first \(shown.count); --differences N for more)" : ""))
        for difference in shown {
            let labels = comparison.labels
            let marks = (difference.current == difference.label ? "current right" : difference.candidate == difference.label ? "candidate right" : "both wrong")
            print("  item \(difference.item + 1): true \(labels[difference.label]), current \(labels[difference.current]), candidate \(labels[difference.candidate]) (\(marks)): \(Self.excerpt(data.items[difference.item].text))")
        }
        print("policy: \(decision.policy.description)")
        print("verdict: \(decision.verdict.rawValue): \(decision.reason)")
    }

    /// The text on one line, cut at 80 characters.
    static func excerpt(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= 80 ? flat : String(flat.prefix(79)) + "…"
    }
}

extension ComparisonError.Kind {
    /// A model failed while classifying (a runtime failure, not bad input).
    fileprivate var isClassification: Bool {
        if case .classification = self { true } else { false }
    }
}
