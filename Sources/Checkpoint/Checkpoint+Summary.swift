import RecurrentNetwork
import SafeTensors

extension Checkpoint {
    /// A human-readable description for `newsclf inspect DIR`: the configuration, the vocabulary
    /// size, one row per tensor in `state_dict` order (name, shape, stored dtype, parameter
    /// count), the total parameter count, the `model.safetensors` size and SHA-256, the
    /// checkpoint digest (``digest``), and the top-level metrics. Lines end with `\n`.
    ///
    /// A checkpoint built in memory (no ``modelFile``) shows its tensors as F32 and no digest.
    public func summary() -> String {
        let a = configuration.architecture
        var lines: [String] = []
        if let modelFile {
            lines.append("checkpoint: \(modelFile.url.deletingLastPathComponent().path)")
        }
        lines.append("format: \(configuration.format)")
        lines.append(
            "architecture: \(a.cell.rawValue), \(a.numLayers) layer\(a.numLayers == 1 ? "" : "s"), "
                + (a.bidirectional ? "bidirectional" : "unidirectional")
                + ", vocab_size \(a.vocabSize), embedding_size \(a.embeddingSize), hidden_size \(a.hiddenSize)")
        lines.append(
            "head: pooling \(a.pooling.rawValue), concat_last \(a.concatLast), padding \(a.padding.rawValue), "
                + "dropout \(a.dropout), rnn_dropout \(a.rnnDropout)")
        lines.append("labels (\(a.numClasses)): " + configuration.labels.enumerated().map { "\($0) \($1)" }.joined(separator: ", "))
        lines.append("preprocessing: \(configuration.preprocessing.rawValue), max_length \(configuration.maxLength)")
        lines.append(
            "special tokens: " + configuration.specialTokens.configurationEntries.map { "\($0.key) \($0.id)" }.joined(separator: ", "))
        lines.append("vocabulary: \(vocabulary.count) tokens")
        lines.append("temperature: \(configuration.temperature)")

        let rows = orderedParameters.map { name, tensor in
            (name, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]",
             (modelFile?.dtypes[name] ?? .float32).rawValue, String(tensor.count))
        }
        let widths = (
            max(6, rows.map(\.0.count).max() ?? 0), max(5, rows.map(\.1.count).max() ?? 0),
            max(5, rows.map(\.2.count).max() ?? 0), max(10, rows.map(\.3.count).max() ?? 0)
        )
        func row(_ c: (String, String, String, String)) -> String {
            "  " + c.0.padding(widths.0) + "  " + c.1.padding(widths.1) + "  " + c.2.padding(widths.2) + "  "
                + String(repeating: " ", count: widths.3 - c.3.count) + c.3
        }
        lines.append("tensors (\(rows.count)):")
        lines.append(row(("name", "shape", "dtype", "parameters")))
        lines += rows.map(row)
        lines.append("total parameters: \(parameterCount)")
        if let modelFile {
            lines.append("\(Self.modelFileName): \(modelFile.byteCount) bytes, \(modelFile.digest)")
        }
        if let digest {
            lines.append("digest: \(digest)")
            lines.append("digest covers: \(Self.digestedFileNames.joined(separator: ", "))")
        } else {
            lines.append("digest: none (not saved)")
        }
        if !metrics.values.isEmpty {
            lines.append("metrics:")
            for key in metrics.values.keys.sorted() {
                lines.append("  \(key): \(metrics.values[key]!.jsonText)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Left-aligned in a field of `width` characters.
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
