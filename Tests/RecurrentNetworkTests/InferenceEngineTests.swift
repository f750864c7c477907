import Checkpoint
import Foundation
import RecurrentNetwork
import SafeTensors
import TestSupport
import Testing

/// The fast inference engine against the PyTorch golden fixtures of `shared/fixtures/gru`
/// (README there: equations, cases, tolerances), plus batching invariance and bad inputs.
@Suite(.onNumericsThreads) struct InferenceEngineTests {
    /// Every forward case: masked GRU mean / max, bidirectional, notebook (unmasked) GRU,
    /// concat-last, LSTM, tanh RNN masked max and notebook. (Case e, `adam_step`, holds case a's
    /// forward.)
    static let forwardCases = [
        "uni2_masked_mean", "uni2_masked_max", "bi1_masked_mean", "uni2_seed_unmasked_mean",
        "concat_last", "lstm2_masked_mean", "rnn1_masked_max", "rnn2_seed_unmasked_mean",
    ]
    static let maskedCases = forwardCases.filter { !$0.contains("unmasked") }

    // MARK: Fixture values

    @Test(arguments: forwardCases)
    func pooledLogitsAndProbabilitiesMatchPyTorch(_ name: String) throws {
        let fixture = try InferenceFixture(name)
        let engine = try fixture.engine()
        let pooled = try engine.pooled(ids: fixture.ids, lengths: fixture.lengths, time: fixture.time)
        let logits = try engine.logits(ids: fixture.ids, lengths: fixture.lengths, time: fixture.time)
        let probabilities = try engine.probabilities(ids: fixture.ids, lengths: fixture.lengths, time: fixture.time)
        #expect(try pooled.shape == fixture.expectedShape("pooled"))
        #expect(logits.shape == [fixture.batch, 4])
        #expect(probabilities.shape == [fixture.batch, 4])
        try expectClose(pooled.values, try fixture.expected("pooled"), "\(name) pooled")
        try expectClose(logits.values, try fixture.expected("logits"), "\(name) logits")
        try expectClose(probabilities.values, try fixture.expected("probabilities"), "\(name) probabilities")
    }

    @Test func adamStepCaseHasTheSameForwardAsCaseA() throws {
        let fixture = try InferenceFixture("adam_step")
        let logits = try fixture.engine().logits(ids: fixture.ids, lengths: fixture.lengths, time: fixture.time)
        try expectClose(logits.values, try InferenceFixture("uni2_masked_mean").expected("logits"), "adam_step logits")
    }

    // MARK: Batching

    /// Masked semantics: an item alone (no padding, batch 1, the `sgemv` path) gets the
    /// fixture's batched values.
    @Test(arguments: maskedCases)
    func itemAloneMatchesFixtureBatch(_ name: String) throws {
        let fixture = try InferenceFixture(name)
        let engine = try fixture.engine()
        let expected = try fixture.expected("logits")
        for item in 0..<fixture.batch {
            let (ids, length) = fixture.item(item)
            let logits = try engine.logits(ids: ids, lengths: [length], time: length)
            try expectClose(logits.values, Array(expected[(item * 4)..<(item * 4 + 4)]), "\(name) item \(item) alone")
        }
    }

    /// Masked semantics: an item's probabilities do not change when it shares a batch with a
    /// 256-token item (padded to 256 with `<pad>`).
    @Test(arguments: maskedCases)
    func itemAloneEqualsItemBatchedWithLongItem(_ name: String) throws {
        let fixture = try InferenceFixture(name)
        let engine = try fixture.engine()
        var generator = SplitMix64(seed: 7)
        let long = (0..<256).map { _ in Int32(generator.next() % UInt64(fixture.vocabularySize)) }
        for item in 0..<fixture.batch {
            let (ids, length) = fixture.item(item)
            let alone = try engine.probabilities(ids: ids, lengths: [length], time: length)
            let padded = ids + [Int32](repeating: Int32(fixture.padID), count: 256 - length)
            let batched = try engine.probabilities(ids: long + padded, lengths: [256, length], time: 256)
            let ours = Array(batched.values[4..<8])
            let worst = zip(ours, alone.values).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-5, "\(name) item \(item): alone vs batched with a 256-token item differ by \(worst)")
        }
    }

    /// Splitting a batch across threads gives the single-thread results, in input order.
    @Test(arguments: ["uni2_masked_mean", "bi1_masked_mean", "lstm2_masked_mean", "uni2_seed_unmasked_mean"])
    func threadedBatchEqualsSingleThread(_ name: String) throws {
        let fixture = try InferenceFixture(name)
        let single = try fixture.engine()
        let threaded = try fixture.engine(options: .init(threadCount: 3, minimumItemsPerThread: 2))
        // 40 items: the fixture's 5 repeated, so lengths are mixed and unsorted.
        let ids = Array((0..<8).map { _ in fixture.ids }.joined())
        let lengths = Array((0..<8).map { _ in fixture.lengths }.joined())
        let a = try single.logits(ids: ids, lengths: lengths, time: fixture.time)
        let b = try threaded.logits(ids: ids, lengths: lengths, time: fixture.time)
        let worst = zip(a.values, b.values).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-6, "\(name): threaded vs single-thread logits differ by \(worst)")
        try expectClose(Array(b.values[0..<20]), try fixture.expected("logits"), "\(name) threaded")
    }

    /// One engine shared by several threads calling it at once (threaded engine included).
    @Test func concurrentCallsFromSeveralThreadsGetTheFixtureValues() throws {
        let fixture = try InferenceFixture("bi1_masked_mean")
        let expected = try fixture.expected("logits")
        let engine = try fixture.engine(options: .init(threadCount: 2, minimumItemsPerThread: 2))
        let (ids, lengths, time) = (fixture.ids, fixture.lengths, fixture.time)
        let results = ConcurrentResults(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            results.set(k, (try? engine.logits(ids: ids, lengths: lengths, time: time))?.values ?? [])
        }
        for k in 0..<8 { try expectClose(results.get(k), expected, "call \(k)") }
    }

    @Test func emptyBatchGivesEmptyOutput() throws {
        let engine = try InferenceFixture("uni2_masked_mean").engine()
        let logits = try engine.logits(ids: [], lengths: [], time: 0)
        #expect(logits.shape == [0, 4])
    }

    // MARK: Bad input

    @Test func idsCountNotBatchTimesTimeThrows() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        #expect(throws: InferenceEngineError.idsCountMismatch(idsCount: 59, batch: 5, time: 12)) {
            try fixture.engine().logits(ids: Array(fixture.ids.dropLast()), lengths: fixture.lengths, time: 12)
        }
    }

    @Test func batchTimesTimeOverflowThrows() throws {
        let engine = try InferenceFixture("uni2_masked_mean").engine()
        #expect(throws: InferenceEngineError.idsCountMismatch(idsCount: 1, batch: 2, time: Int.max)) {
            try engine.logits(ids: [1], lengths: [1, 1], time: Int.max)
        }
    }

    @Test func tokenIdAtVocabularySizeThrows() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var ids = fixture.ids
        ids[1 * 12 + 5] = 50
        #expect(throws: InferenceEngineError.tokenOutOfRange(item: 1, position: 5, id: 50, vocabularySize: 50)) {
            try fixture.engine().logits(ids: ids, lengths: fixture.lengths, time: 12)
        }
    }

    @Test func negativeTokenIdThrows() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var ids = fixture.ids
        ids[0] = -1
        #expect(throws: InferenceEngineError.tokenOutOfRange(item: 0, position: 0, id: -1, vocabularySize: 50)) {
            try fixture.engine().logits(ids: ids, lengths: fixture.lengths, time: 12)
        }
    }

    @Test func paddingIdsAreNotReadInMaskedMode() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var ids = fixture.ids
        ids[0 * 12 + 11] = 999  // item 0 has length 3
        let logits = try fixture.engine().logits(ids: ids, lengths: fixture.lengths, time: 12)
        try expectClose(logits.values, try fixture.expected("logits"), "logits with garbage padding")
    }

    @Test func outOfRangePaddingIdThrowsInNotebookMode() throws {
        let fixture = try InferenceFixture("uni2_seed_unmasked_mean")
        var ids = fixture.ids
        ids[0 * 12 + 11] = 50  // item 0 has length 3, but notebook mode reads all 12 positions
        #expect(throws: InferenceEngineError.tokenOutOfRange(item: 0, position: 11, id: 50, vocabularySize: 50)) {
            try fixture.engine().logits(ids: ids, lengths: fixture.lengths, time: 12)
        }
    }

    @Test func zeroLengthThrows() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var lengths = fixture.lengths
        lengths[2] = 0
        #expect(throws: InferenceEngineError.invalidLength(item: 2, length: 0, time: 12)) {
            try fixture.engine().logits(ids: fixture.ids, lengths: lengths, time: 12)
        }
    }

    @Test func lengthAboveTimeThrows() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var lengths = fixture.lengths
        lengths[3] = 13
        #expect(throws: InferenceEngineError.invalidLength(item: 3, length: 13, time: 12)) {
            try fixture.engine().logits(ids: fixture.ids, lengths: lengths, time: 12)
        }
    }

    @Test func negativeTimeThrows() throws {
        let engine = try InferenceFixture("uni2_masked_mean").engine()
        #expect(throws: InferenceEngineError.invalidTime(-1)) {
            try engine.logits(ids: [], lengths: [], time: -1)
        }
    }

    @Test func missingParameterThrowsNamingIt() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var parameters = fixture.parameters
        parameters["rnn.bias_hh_l1"] = nil
        #expect(throws: InferenceEngineError.missingParameter(name: "rnn.bias_hh_l1")) {
            try InferenceEngine(architecture: fixture.configuration.architecture, parameters: parameters)
        }
    }

    @Test func wrongParameterShapeThrowsNamingIt() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var parameters = fixture.parameters
        parameters["rnn.weight_hh_l0"] = Tensor(zeros: [8, 24])
        #expect(throws: InferenceEngineError.parameterShapeMismatch(name: "rnn.weight_hh_l0", expected: [24, 8], actual: [8, 24])) {
            try InferenceEngine(architecture: fixture.configuration.architecture, parameters: parameters)
        }
    }

    @Test func unexpectedParameterThrowsNamingIt() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var parameters = fixture.parameters
        parameters["rnn.weight_ih_l0_reverse"] = Tensor(zeros: [24, 8])
        #expect(throws: InferenceEngineError.unexpectedParameter(name: "rnn.weight_ih_l0_reverse")) {
            try InferenceEngine(architecture: fixture.configuration.architecture, parameters: parameters)
        }
    }

    @Test func zeroLayersConfigurationThrows() throws {
        let fixture = try InferenceFixture("uni2_masked_mean")
        var configuration = fixture.configuration
        configuration.architecture.numLayers = 0
        #expect(throws: InferenceEngineError.invalidConfiguration("num_layers is 0, must be at least 1")) {
            try InferenceEngine(architecture: configuration.architecture, parameters: fixture.parameters)
        }
    }
}

// MARK: - Helpers

/// One case of `shared/fixtures/gru`: its configuration (from the safetensors metadata), its
/// float32 weights and its inputs.
private struct InferenceFixture {
    static let directory = PackagePaths.inShared("fixtures/gru")

    let configuration: ModelConfiguration
    let parameters: [String: Tensor]
    let expectedFile: SafeTensorsFile
    /// `[batch, time]` row-major.
    let ids: [Int32]
    let lengths: [Int]
    let batch: Int
    let time: Int
    let padID: Int
    var vocabularySize: Int { configuration.architecture.vocabSize }

    init(_ name: String) throws {
        let weights = try SafeTensorsFile(contentsOf: Self.directory.appendingPathComponent("\(name).weights.safetensors"))
        expectedFile = try SafeTensorsFile(contentsOf: Self.directory.appendingPathComponent("\(name).expected.safetensors"))
        let meta = weights.metadata
        func json(_ key: String) -> String { meta[key].map { $0.replacingOccurrences(of: "\"", with: "") } ?? "" }
        let cell = ModelArchitecture.Cell(rawValue: json("cell")) ?? .gru
        let hidden = Int(json("H"))!
        configuration = ModelConfiguration(architecture: .init(
            cell: cell, vocabSize: Int(json("V"))!, embeddingSize: hidden, hiddenSize: hidden,
            numLayers: Int(json("num_layers"))!, bidirectional: json("bidirectional") == "true",
            pooling: ModelArchitecture.Pooling(rawValue: json("pool"))!,
            concatLast: json("concat_last") == "true",
            padding: json("masked") == "true" ? .masked : .notebook, numClasses: Int(json("classes"))!))
        var parameters: [String: Tensor] = [:]
        for name in weights.names {
            let view = try weights.tensor(name)
            parameters[name] = Tensor(shape: view.shape, values: try view.floats())
        }
        self.parameters = parameters
        let input = try expectedFile.tensor("input_ids")
        batch = input.shape[0]
        time = input.shape[1]
        ids = try input.int64s().map { Int32($0) }
        lengths = try expectedFile.tensor("lengths").int64s().map { Int($0) }
        padID = Int(try expectedFile.tensor("pad_id").int64s()[0])
    }

    func engine(options: InferenceEngine.Options = .init()) throws -> InferenceEngine {
        try InferenceEngine(architecture: configuration.architecture, parameters: parameters, options: options)
    }

    func expected(_ name: String) throws -> [Double] { try expectedFile.tensor(name).doubles() }
    func expectedShape(_ name: String) throws -> [Int] { try expectedFile.tensor(name).shape }

    /// Item `b`'s valid ids (no padding) and length.
    func item(_ b: Int) -> ([Int32], Int) {
        (Array(ids[(b * time)..<(b * time + lengths[b])]), lengths[b])
    }
}

/// The README's float32 tolerance: `|a − e| ≤ atol + rtol·|e|`, one issue per failing tensor
/// naming the worst element.
private func expectClose(
    _ actual: [Float], _ expected: [Double], _ what: String,
    atol: Double = 1e-5, rtol: Double = 1e-4, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try #require(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    var worst = (index: -1, excess: 0.0)
    for (k, (a, e)) in zip(actual, expected).enumerated() {
        let excess = abs(Double(a) - e) - (atol + rtol * abs(e))
        if excess > worst.excess || (excess.isNaN && worst.index < 0) { worst = (k, excess.isNaN ? .infinity : excess) }
    }
    #expect(worst.index < 0, "\(what)[\(worst.index)] = \(worst.index < 0 ? 0 : actual[worst.index]), expected \(worst.index < 0 ? 0 : expected[worst.index])", sourceLocation: sourceLocation)
}

/// Results written by concurrent calls, one slot each.
private final class ConcurrentResults: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var values: [[Float]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ k: Int, _ value: [Float]) { lock.withLock { values[k] = value } }
    func get(_ k: Int) -> [Float] { lock.withLock { values[k] } }
}
