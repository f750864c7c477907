import Checkpoint
import Classification
import Foundation
import RecurrentNetwork
import TextPipeline

/// One training run from a data file to a trainer output directory (DESIGN.md "Checkpoint
/// format"): `DIR/best/`, `DIR/last/` (checkpoints), `DIR/resume/` (``ResumeState``),
/// `DIR/curves.csv`, `DIR/curves.svg` (``LearningCurves``) and `DIR/metrics.json`.
///
/// The order of work:
/// 1. check the configuration, the output directory (empty, or a resume directory of the same
///    configuration and data), read the training file (first `limit` rows) and the test file,
///    and, with `initFrom`, the starting checkpoint — all before anything is written;
/// 2. carve out the stratified validation split (``ValidationSplit``) and build the vocabulary
///    from the training portion only (count > threshold; or take `initFrom`'s vocabulary);
/// 3. train: each epoch a seeded shuffle of the training portion in batches, one Adam step per
///    batch (``Trainer``); every `evaluationInterval` of an epoch and at each epoch's end,
///    evaluate on the validation split, append to the curves, save `best/` when the validation
///    accuracy improved, and save `resume/`;
/// 4. at the end save `last/`, evaluate `best/` and `last/` on the test file (full accuracy, and
///    the notebook's 5,000-item sample accuracy when it is the AG News test split), fit each
///    one's temperature on the validation split (``CalibrationRecord``, stored in its
///    `config.json`; ECE and NLL before and after in `metrics.json`), and write `metrics.json`.
///    The test split is only reported, never used to select or to calibrate.
///
/// When `shouldStop` returns true (checked between steps; the executable sets it on SIGINT and
/// SIGTERM) the run saves `resume/` and `last/` and returns ``Outcome/interrupted(step:)``;
/// running again with `resume` continues to exactly the weights an uninterrupted run reaches.
public struct TrainingRun {
    /// What to run.
    public struct Options: Sendable {
        /// The training file (AG News CSV or JSONL with `label`, plain or gzip).
        public var trainFile: URL
        /// The test file, reported only (`nil`: no test figures).
        public var testFile: URL?
        /// The output directory.
        public var outputDirectory: URL
        /// The run's configuration.
        public var configuration: TrainingConfiguration
        /// OpenBLAS threads (the caller sets them; recorded in the metrics).
        public var threads: Int
        /// Continue the run in ``outputDirectory`` from its `resume/`.
        public var resume: Bool
        /// Start from this checkpoint's weights and vocabulary instead of random ones.
        public var initFrom: URL?

        public init(
            trainFile: URL, testFile: URL?, outputDirectory: URL, configuration: TrainingConfiguration,
            threads: Int = 1, resume: Bool = false, initFrom: URL? = nil
        ) {
            self.trainFile = trainFile
            self.testFile = testFile
            self.outputDirectory = outputDirectory
            self.configuration = configuration
            self.threads = threads
            self.resume = resume
            self.initFrom = initFrom
        }
    }

    /// How a run ended.
    public enum Outcome: Sendable, Equatable {
        /// All epochs done.
        case finished(TrainingSummary)
        /// Stopped on request after this many optimizer steps; `resume/` holds the state.
        case interrupted(step: Int)
    }

    /// The run's options.
    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// File names inside the output directory.
    public static let bestDirectoryName = "best"
    public static let lastDirectoryName = "last"
    public static let metricsFileName = "metrics.json"

    /// Runs (or continues) the training.
    /// - Parameters:
    ///   - log: where progress and evaluations are reported.
    ///   - shouldStop: polled between steps; `true` saves a resumable state and returns.
    /// - Throws: ``TrainingError``; bad input (``TrainingError/isBadInput``) is detected before
    ///   anything in the output directory is written.
    public func run(log: some TrainingLog, shouldStop: () -> Bool = { false }) throws(TrainingError) -> Outcome {
        let sessionStart = ContinuousClock.now
        let configuration = options.configuration
        try configuration.validate()
        let out = options.outputDirectory
        let resumeDirectory = out.appendingPathComponent(ResumeState.directoryName)

        // 1. Everything that can be refused, before writing anything.
        var resumed: ResumeState?
        if options.resume {
            let state = try ResumeState.load(from: resumeDirectory)
            let differences = Self.differences(state.configuration, configuration)
            guard differences.isEmpty else {
                throw TrainingError(.resumeMismatch(
                    path: out.path, problem: "it was trained with another configuration (\(differences.joined(separator: "; ")))"))
            }
            resumed = state
        } else if let contents = try? FileManager.default.contentsOfDirectory(atPath: out.path), !contents.isEmpty {
            throw TrainingError(.outputNotEmpty(path: out.path))
        }
        let train = try TrainingData(contentsOf: options.trainFile, labels: configuration.labels, limit: configuration.limit)
        if let resumed, resumed.dataDigest != train.fileDigest {
            throw TrainingError(.resumeMismatch(
                path: out.path, problem: "it was trained on data \(resumed.dataDigest), \(train.path) is \(train.fileDigest)"))
        }
        let test = try options.testFile.map { url throws(TrainingError) in
            try TrainingData(contentsOf: url, labels: configuration.labels)
        }
        let initial = try options.initFrom.map { url throws(TrainingError) in try Self.initialCheckpoint(url, configuration) }

        // 2. Split, vocabulary, encoding.
        let labels = train.items.map(\.label)
        let split = ValidationSplit(
            labels: labels, classCount: configuration.labels.count, fraction: configuration.validationFraction,
            seed: configuration.seed)
        guard !split.trainingIndices.isEmpty, !split.validationIndices.isEmpty else {
            throw TrainingError(.emptyTrainingSet(
                file: train.path, problem: "\(train.items.count) rows are too few for a training and a validation portion"))
        }
        var specialTokens = SpecialTokens.standard
        if let initial { specialTokens = initial.configuration.specialTokens }
        let tokenizer = Tokenizer(preprocessing: configuration.preprocessing)
        let vocabulary: Vocabulary
        do {
            if let tokens = resumed?.vocabulary ?? initial?.vocabulary {
                vocabulary = try Vocabulary(tokens: tokens, specialTokens: specialTokens, source: "vocab.txt")
            } else {
                var builder = VocabularyBuilder(tokenizer: tokenizer)
                for row in split.trainingIndices { builder.add(train.items[row].text) }
                vocabulary = try builder.vocabulary(threshold: configuration.vocabularyThreshold)
            }
        } catch {
            if resumed != nil { throw TrainingError(.resumeMismatch(path: resumeDirectory.path, problem: "vocab.txt: \(error)")) }
            if let url = options.initFrom { throw TrainingError(.initialCheckpoint(path: url.path, problem: "vocab.txt: \(error)")) }
            throw TrainingError(.numerics("building the vocabulary: \(error)"))
        }
        let encoder: TextEncoder
        do {
            encoder = try TextEncoder(tokenizer: tokenizer, vocabulary: vocabulary, maxLength: configuration.maxLength)
        } catch {
            throw TrainingError(.invalidConfiguration(option: "--max-length", problem: "\(error)"))
        }
        let trainingItems = split.trainingIndices.map { encoder.encode(train.items[$0].text) }
        let trainingLabels = split.trainingIndices.map { labels[$0] }
        let validationItems = split.validationIndices.map { encoder.encode(train.items[$0].text) }
        let validationLabels = split.validationIndices.map { labels[$0] }

        var modelConfiguration = configuration.modelConfiguration(vocabularySize: vocabulary.count)
        modelConfiguration.specialTokens = specialTokens
        let streams = RandomStreams(seed: configuration.seed)
        let parameters: ModelParameters
        do {
            if let resumed {
                guard resumed.modelConfiguration == modelConfiguration else {
                    throw TrainingError(.resumeMismatch(path: out.path, problem: "the saved model's configuration differs"))
                }
                parameters = resumed.parameters
            } else if let initial {
                parameters = try ModelParameters(architecture: modelConfiguration.architecture, tensors: initial.parameters)
            } else {
                parameters = try ModelParameters(
                    architecture: modelConfiguration.architecture, seed: streams.seed(for: .initialization))
            }
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError(.initialCheckpoint(path: options.initFrom?.path ?? out.path, problem: "\(error)"))
        }
        var optimizer: Adam
        do {
            optimizer = try Adam(architecture: modelConfiguration.architecture, learningRate: configuration.learningRate)
        } catch {
            throw TrainingError(.numerics("\(error)"))
        }
        if let resumed { optimizer.state = resumed.optimizer }
        var trainer = try Trainer(parameters: parameters, optimizer: optimizer, clipNorm: configuration.clipNorm)
        var progress = resumed?.progress ?? TrainingProgress()
        let elapsedBefore = progress.elapsedSeconds
        func elapsed() -> Double { elapsedBefore + (ContinuousClock.now - sessionStart) / .seconds(1) }

        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        } catch {
            throw TrainingError(.writeFailed(path: out.path, problem: error.localizedDescription))
        }
        let context = TrainingRecord(
            train: train, test: test, split: split, vocabulary: vocabulary, configuration: configuration,
            threads: options.threads, initFrom: options.initFrom)
        if resumed != nil {
            log.message("resuming \(out.path) at epoch \(progress.epoch + 1), step \(progress.globalStep)")
        }
        log.message(context.header(parameterCount: parameters.scalarCount))

        // 3. Training.
        let batchSize = configuration.batchSize
        let batches = TrainingBatches(
            items: trainingItems, labels: trainingLabels, batchSize: batchSize, seed: configuration.seed,
            paddingID: specialTokens.pad)
        let batchesPerEpoch = batches.batchesPerEpoch
        let evaluationBatches = Self.evaluationBatches(batchesPerEpoch: batchesPerEpoch, interval: configuration.evaluationInterval)
        let totalSteps = batchesPerEpoch * configuration.epochs
        let sessionFirstStep = progress.globalStep
        let sessionWallStart = ContinuousClock.now
        var sessionTrainingSeconds = 0.0
        var sessionSamples = 0

        func saveResume() throws(TrainingError) {
            progress.elapsedSeconds = elapsed()
            try ResumeState(
                configuration: configuration, dataDigest: train.fileDigest, threads: options.threads, progress: progress,
                modelConfiguration: modelConfiguration, parameters: trainer.network.parameters, optimizer: trainer.optimizer.state, vocabulary: vocabulary.tokens
            ).save(to: resumeDirectory)
        }
        func saveCheckpoint(
            _ name: String, parameters: ModelParameters, metrics: CheckpointMetrics,
            temperature: Double = ModelConfiguration.defaultTemperature
        ) throws(TrainingError) {
            let directory = out.appendingPathComponent(name)
            do {
                let tensors = Dictionary(uniqueKeysWithValues: parameters.namedTensors.map { ($0.name, $0.tensor) })
                var configuration = modelConfiguration
                configuration.temperature = temperature
                try Checkpoint(
                    configuration: configuration, parameters: tensors, metrics: metrics,
                    vocabulary: vocabulary.tokens
                ).save(to: directory)
            } catch {
                throw TrainingError(.writeFailed(path: directory.path, problem: error.description))
            }
        }

        while progress.epoch < configuration.epochs {
            let order = batches.order(epoch: progress.epoch)
            trainer.setLearningRate(configuration.learningRate(epoch: progress.epoch))
            while progress.batchInEpoch < batchesPerEpoch {
                if shouldStop() {
                    try saveCheckpoint(
                        Self.lastDirectoryName, parameters: trainer.network.parameters,
                        metrics: context.checkpointMetrics(name: "last", progress: progress, point: nil, test: nil, elapsed: elapsed()))
                    try saveResume()
                    try progress.curves.write(to: out)
                    log.message("interrupted at step \(progress.globalStep); continue with --resume \(out.path)")
                    return .interrupted(step: progress.globalStep)
                }
                let (batch, batchLabels) = try batches.batch(progress.batchInEpoch, of: order)
                let stepStart = ContinuousClock.now
                let result = try trainer.step(
                    batch, labels: batchLabels,
                    dropoutSeed: streams.seed(for: .dropout, index: UInt64(progress.globalStep)))
                let stepSeconds = (ContinuousClock.now - stepStart) / .seconds(1)
                sessionTrainingSeconds += stepSeconds
                sessionSamples += batchLabels.count
                progress.trainingSeconds += stepSeconds
                progress.samplesTrained += batchLabels.count
                progress.batchInEpoch += 1
                progress.globalStep += 1
                progress.pendingLossSum += Double(result.loss) * Double(batchLabels.count)
                progress.pendingCorrect += result.correct
                progress.pendingCount += batchLabels.count

                let sessionSteps = progress.globalStep - sessionFirstStep
                let perStep = ((ContinuousClock.now - sessionWallStart) / .seconds(1)) / Double(max(1, sessionSteps))
                log.progress(TrainingStatus(
                    epoch: progress.epoch + 1, epochs: configuration.epochs, batch: progress.batchInEpoch,
                    batchesPerEpoch: batchesPerEpoch, itemsPerSecond: Double(sessionSamples) / max(sessionTrainingSeconds, 1e-9),
                    loss: progress.pendingLossSum / Double(max(1, progress.pendingCount)),
                    etaSeconds: perStep * Double(totalSteps - progress.globalStep)))

                if evaluationBatches.contains(progress.batchInEpoch) {
                    let evaluation = try ModelEvaluator(parameters: trainer.network.parameters, specialTokens: modelConfiguration.specialTokens)
                        .evaluate(validationItems, labels: validationLabels)
                    let point = LearningCurves.Point(
                        epoch: Double(progress.epoch) + Double(progress.batchInEpoch) / Double(batchesPerEpoch),
                        step: progress.globalStep,
                        trainLoss: progress.pendingLossSum / Double(max(1, progress.pendingCount)),
                        trainAccuracy: Double(progress.pendingCorrect) / Double(max(1, progress.pendingCount)),
                        validationLoss: evaluation.loss, validationAccuracy: evaluation.accuracy, elapsedSeconds: elapsed())
                    progress.curves.points.append(point)
                    progress.pendingLossSum = 0
                    progress.pendingCorrect = 0
                    progress.pendingCount = 0
                    let improved = progress.best.map { point.validationAccuracy > $0.validationAccuracy } ?? true
                    if improved {
                        progress.best = point
                        try saveCheckpoint(
                            Self.bestDirectoryName, parameters: trainer.network.parameters,
                            metrics: context.checkpointMetrics(name: "best", progress: progress, point: point, test: nil, elapsed: elapsed()))
                    }
                    log.message(Self.describe(point) + (improved ? "  (best)" : ""))
                    try saveResume()
                    try progress.curves.write(to: out)
                }
            }
            progress.epoch += 1
            progress.batchInEpoch = 0
        }
        progress.finished = true

        // 4. Final checkpoints, test figures, metrics.
        let lastParameters = trainer.network.parameters
        let lastPoint = progress.curves.points.last
        let bestCheckpoint: Checkpoint
        do {
            bestCheckpoint = try Checkpoint.load(from: out.appendingPathComponent(Self.bestDirectoryName))
        } catch {
            throw TrainingError(.writeFailed(path: out.appendingPathComponent(Self.bestDirectoryName).path, problem: error.description))
        }
        let bestParameters: ModelParameters
        do {
            bestParameters = try ModelParameters(architecture: bestCheckpoint.configuration.architecture, tensors: bestCheckpoint.parameters)
        } catch {
            throw TrainingError(.numerics("\(error)"))
        }
        let bestEvaluation = try test.map { data throws(TrainingError) in try Self.testFigures(bestParameters, data, encoder, specialTokens) }
        let lastEvaluation = try test.map { data throws(TrainingError) in try Self.testFigures(lastParameters, data, encoder, specialTokens) }
        let bestTest = bestEvaluation?.figures, lastTest = lastEvaluation?.figures
        // Temperature scaling on the validation split (the test file only reports).
        let bestCalibration = try Self.calibration(
            bestParameters, validationItems, validationLabels, test: bestEvaluation?.logits, specialTokens)
        let lastCalibration = try Self.calibration(
            lastParameters, validationItems, validationLabels, test: lastEvaluation?.logits, specialTokens)
        log.message(Self.describe(bestCalibration, name: "best"))
        let wall = elapsed()
        try saveCheckpoint(
            Self.bestDirectoryName, parameters: bestParameters,
            metrics: context.checkpointMetrics(
                name: "best", progress: progress, point: progress.best, test: bestTest, elapsed: wall, calibration: bestCalibration),
            temperature: bestCalibration.temperature)
        try saveCheckpoint(
            Self.lastDirectoryName, parameters: lastParameters,
            metrics: context.checkpointMetrics(
                name: "last", progress: progress, point: lastPoint, test: lastTest, elapsed: wall, calibration: lastCalibration),
            temperature: lastCalibration.temperature)
        try saveResume()
        try progress.curves.write(to: out)
        let summary = TrainingSummary(
            best: progress.best, last: lastPoint, bestTest: bestTest, lastTest: lastTest, wallSeconds: wall,
            trainingSeconds: progress.trainingSeconds, samplesTrained: progress.samplesTrained,
            vocabularySize: vocabulary.count, trainingCount: trainingItems.count, validationCount: validationItems.count,
            bestCalibration: bestCalibration, lastCalibration: lastCalibration)
        let metricsURL = out.appendingPathComponent(Self.metricsFileName)
        do {
            try context.runMetrics(summary: summary, progress: progress).jsonData().write(to: metricsURL, options: .atomic)
        } catch {
            throw TrainingError(.writeFailed(path: metricsURL.path, problem: "\(error)"))
        }
        log.message(summary.table(curves: progress.curves))
        return .finished(summary)
    }

    /// The 1-based batch numbers within an epoch after which the run evaluates: every
    /// `interval` of the epoch (rounded to a batch) and the epoch's last batch.
    static func evaluationBatches(batchesPerEpoch: Int, interval: Double) -> Set<Int> {
        var result: Set<Int> = [batchesPerEpoch]
        var k = 1.0
        while k * interval < 1 - 1e-9 {
            let batch = Int((k * interval * Double(batchesPerEpoch)).rounded())
            if batch >= 1 && batch < batchesPerEpoch { result.insert(batch) }
            k += 1
        }
        return result
    }

    /// One evaluation as a log line.
    static func describe(_ p: LearningCurves.Point) -> String {
        String(
            format: "epoch %.2f step %d · train loss %.4f acc %.4f · valid loss %.4f acc %.4f · %@", p.epoch, p.step,
            p.trainLoss, p.trainAccuracy, p.validationLoss, p.validationAccuracy, TrainingStatus.duration(p.elapsedSeconds))
    }

    /// The configuration keys (snake_case) whose values differ.
    static func differences(_ a: TrainingConfiguration, _ b: TrainingConfiguration) -> [String] {
        let encoder = JSONEncoder()
        guard let left = try? JSONSerialization.jsonObject(with: encoder.encode(a)) as? [String: Any],
            let right = try? JSONSerialization.jsonObject(with: encoder.encode(b)) as? [String: Any]
        else { return a == b ? [] : ["configuration"] }
        return Set(left.keys).union(right.keys).sorted().compactMap { key in
            let l = left[key].map { "\($0)" } ?? "none"
            let r = right[key].map { "\($0)" } ?? "none"
            return l == r ? nil : "\(key): saved \(l), now \(r)"
        }
    }

    /// Loads `--init-from` and checks that it can start a run of `configuration`.
    static func initialCheckpoint(_ url: URL, _ configuration: TrainingConfiguration) throws(TrainingError) -> Checkpoint {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.load(from: url)
        } catch {
            throw TrainingError(.initialCheckpoint(path: url.path, problem: error.description))
        }
        let have = checkpoint.configuration
        let want = configuration.modelConfiguration(vocabularySize: have.architecture.vocabSize)
        var problems: [String] = []
        let a = have.architecture, b = want.architecture
        if a.cell != b.cell { problems.append("cell \(a.cell.rawValue), --cell \(b.cell.rawValue)") }
        if a.embeddingSize != b.embeddingSize { problems.append("embedding size \(a.embeddingSize), --embedding-size \(b.embeddingSize)") }
        if a.hiddenSize != b.hiddenSize { problems.append("hidden size \(a.hiddenSize), --hidden-size \(b.hiddenSize)") }
        if a.numLayers != b.numLayers { problems.append("\(a.numLayers) layers, --layers \(b.numLayers)") }
        if a.bidirectional != b.bidirectional { problems.append("bidirectional \(a.bidirectional), --bidirectional \(b.bidirectional)") }
        if a.pooling != b.pooling { problems.append("pooling \(a.pooling.rawValue), --pooling \(b.pooling.rawValue)") }
        if a.concatLast != b.concatLast { problems.append("concat-last \(a.concatLast), --concat-last \(b.concatLast)") }
        if a.padding != .masked { problems.append("padding \(a.padding.rawValue); training uses masked padding") }
        if have.labels != want.labels { problems.append("labels \(have.labels), training uses \(want.labels)") }
        if have.preprocessing != want.preprocessing {
            problems.append("preprocessing \(have.preprocessing.rawValue), --preprocessing \(want.preprocessing.rawValue)")
        }
        guard problems.isEmpty else {
            throw TrainingError(.initialCheckpoint(path: url.path, problem: problems.joined(separator: "; ")))
        }
        return checkpoint
    }

    /// Temperature scaling of `parameters` fitted on the validation items, measured there and on
    /// the test logits.
    static func calibration(
        _ parameters: ModelParameters, _ items: [EncodedText], _ labels: [Int], test: LabelledLogits?,
        _ specialTokens: SpecialTokens
    ) throws(TrainingError) -> CalibrationRecord {
        let evaluation = try ModelEvaluator(parameters: parameters, specialTokens: specialTokens).evaluate(items, labels: labels)
        do {
            let validation = try LabelledLogits(
                logits: evaluation.logits, labels: labels, classCount: parameters.architecture.numClasses)
            return CalibrationRecord(validation: validation, test: test)
        } catch {
            throw TrainingError(.numerics("calibration: \(error)"))
        }
    }

    /// The calibration as a log line.
    static func describe(_ c: CalibrationRecord, name: String) -> String {
        var text = String(
            format: "%@: temperature %.4f (validation NLL %.4f → %.4f, ECE %.4f → %.4f", name, c.temperature,
            c.validationBefore.negativeLogLikelihood, c.validationAfter.negativeLogLikelihood,
            c.validationBefore.expectedCalibrationError, c.validationAfter.expectedCalibrationError)
        if let before = c.testBefore, let after = c.testAfter {
            text += String(
                format: "; test NLL %.4f → %.4f, ECE %.4f → %.4f", before.negativeLogLikelihood, after.negativeLogLikelihood,
                before.expectedCalibrationError, after.expectedCalibrationError)
        }
        return text + ")"
    }

    /// Full-file and notebook-sample accuracy of `parameters` on `data`, and the logits.
    static func testFigures(
        _ parameters: ModelParameters, _ data: TrainingData, _ encoder: TextEncoder, _ specialTokens: SpecialTokens
    ) throws(TrainingError) -> (figures: TestFigures, logits: LabelledLogits?) {
        let evaluation = try ModelEvaluator(parameters: parameters, specialTokens: specialTokens)
            .evaluate(data.items.map { encoder.encode($0.text) }, labels: data.items.map(\.label))
        var sample: Double?
        if data.isAGNewsTestSplit {
            let correct = Evaluation(
                labels: data.items.map(\.label), predictions: evaluation.predictions,
                classCount: parameters.architecture.numClasses)
            sample = correct.accuracy(on: .notebook)
        }
        let logits = try? LabelledLogits(
            logits: evaluation.logits, labels: data.items.map(\.label), classCount: parameters.architecture.numClasses)
        return (TestFigures(accuracy: evaluation.accuracy, loss: evaluation.loss, sampleAccuracy: sample, count: data.items.count), logits)
    }
}
