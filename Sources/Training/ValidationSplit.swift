import RecurrentNetwork

/// A stratified, seeded split of labelled rows into a training and a validation portion.
///
/// For each class c with n_c rows, `round(fraction · n_c)` of them (at least 1 when n_c ≥ 2 and
/// the fraction is positive; never all of them) go to validation, chosen by a Fisher–Yates
/// shuffle of that class's row indices with the ``RandomStreams`` stream
/// (`.validationSplit`, index c). So every class keeps its share in both portions, and the same
/// labels, fraction and seed always give the same split.
public struct ValidationSplit: Sendable, Equatable {
    /// Row indices of the training portion, ascending.
    public let trainingIndices: [Int]
    /// Row indices of the validation portion, ascending.
    public let validationIndices: [Int]

    /// Splits rows by their labels.
    /// - Parameters:
    ///   - labels: each row's class id, `0 ..< classCount`.
    ///   - classCount: the number of classes.
    ///   - fraction: the share of each class held out, in (0, 1).
    ///   - seed: the run's seed.
    public init(labels: [Int], classCount: Int, fraction: Double, seed: UInt64) {
        let streams = RandomStreams(seed: seed)
        var byClass = [[Int]](repeating: [], count: classCount)
        for (row, label) in labels.enumerated() { byClass[label].append(row) }
        var training: [Int] = []
        var validation: [Int] = []
        for (label, rows) in byClass.enumerated() where !rows.isEmpty {
            var shuffled = rows
            var generator = streams.generator(for: .validationSplit, index: UInt64(label))
            Self.shuffle(&shuffled, using: &generator)
            var held = Int((Double(rows.count) * fraction).rounded())
            if rows.count >= 2 { held = min(max(held, 1), rows.count - 1) } else { held = 0 }
            validation += shuffled[..<held]
            training += shuffled[held...]
        }
        trainingIndices = training.sorted()
        validationIndices = validation.sorted()
    }

    /// Fisher–Yates (Durstenfeld) with an explicit, portable draw: `next() % (i + 1)`; the
    /// standard library's `shuffle(using:)` does not promise the same order across releases.
    static func shuffle<T>(_ values: inout [T], using generator: inout SplitMix64) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
    }
}
