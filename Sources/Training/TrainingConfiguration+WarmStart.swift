import Checkpoint
import Foundation
import TextPipeline

extension TrainingConfiguration {
    /// The configuration a warm start (`--init-from`, the retraining job) begins with: the
    /// checkpoint's architecture, preprocessing, labels and `max_length` (which the new run must
    /// keep), and, when its `metrics.json` records how it was trained, that recipe too (learning
    /// rate and schedule, epochs, batch size, vocabulary threshold, validation share, seed), so
    /// that retraining repeats the recipe unless options say otherwise. `limit` is never carried
    /// over. Options given on the command line are applied on top.
    ///
    /// - Parameter directory: a checkpoint directory (`config.json`, optionally `metrics.json`).
    /// - Throws: ``TrainingError`` `.initialCheckpoint` when `config.json` is missing or is not a
    ///   model configuration, naming the file.
    public static func warmStart(from directory: URL) throws(TrainingError) -> TrainingConfiguration {
        let configFile = directory.appendingPathComponent("config.json")
        let model: ModelConfiguration
        do {
            model = try JSONDecoder().decode(ModelConfiguration.self, from: Data(contentsOf: configFile))
        } catch {
            throw TrainingError(.initialCheckpoint(path: directory.path, problem: "config.json: \(error.localizedDescription)"))
        }
        var configuration = recordedRecipe(in: directory) ?? TrainingConfiguration()
        let a = model.architecture
        configuration.cell = a.cell
        configuration.numLayers = a.numLayers
        configuration.hiddenSize = a.hiddenSize
        configuration.embeddingSize = a.embeddingSize
        configuration.bidirectional = a.bidirectional
        configuration.pooling = a.pooling
        configuration.concatLast = a.concatLast
        configuration.dropout = a.dropout
        configuration.rnnDropout = a.rnnDropout
        configuration.preprocessing = model.preprocessing
        configuration.maxLength = model.maxLength
        configuration.labels = model.labels
        configuration.limit = nil
        return configuration
    }

    /// The training configuration recorded in `metrics.json` (key `configuration`), if any.
    private static func recordedRecipe(in directory: URL) -> TrainingConfiguration? {
        struct Recorded: Decodable { let configuration: TrainingConfiguration }
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("metrics.json")) else { return nil }
        return try? JSONDecoder().decode(Recorded.self, from: data).configuration
    }
}
