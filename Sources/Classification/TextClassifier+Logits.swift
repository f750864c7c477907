import RecurrentNetwork

extension TextClassifier {
    /// The logits of texts, before softmax and without the temperature: what temperature scaling
    /// is fitted on (``TemperatureScaling``). Batches of `batchSize` consecutive items, as
    /// ``classify(texts:batchSize:)``.
    /// - Returns: row-major `[texts.count, classes]` logits.
    /// - Throws: ``ClassifierError/inference(_:)``.
    public func logits(texts: [String], batchSize: Int = 64) throws(ClassifierError) -> [Float] {
        let encoded = texts.map(encode)
        let size = max(1, batchSize)
        var result: [Float] = []
        result.reserveCapacity(texts.count * configuration.architecture.numClasses)
        for start in stride(from: 0, to: encoded.count, by: size) {
            let batch = collator.collate(Array(encoded[start..<min(start + size, encoded.count)]))
            do {
                result += try engine.logits(ids: batch.ids, lengths: batch.lengths, time: batch.time).values
            } catch {
                throw .inference("\(error)")
            }
        }
        return result
    }
}
