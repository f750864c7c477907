import Checkpoint
import Foundation
import TestSupport
import Testing
@testable import Training

@Suite(.onNumericsThreads) struct TrainingConfigurationWarmStartTests {
    static let root = PackagePaths.root

    @Test func shippedModelGivesItsArchitectureAndRecipe() throws {
        let directory = Self.root.appendingPathComponent("models/agnews-gru")
        let model = try Checkpoint.load(from: directory).configuration
        let configuration = try TrainingConfiguration.warmStart(from: directory)
        #expect(configuration.architecture(vocabularySize: model.architecture.vocabSize) == model.architecture)
        #expect(configuration.preprocessing == model.preprocessing)
        #expect(configuration.labels == model.labels)
        #expect(configuration.maxLength == model.maxLength)
        // The recipe recorded in the shipped model's metrics.json.
        let metrics = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("metrics.json"))) as? [String: Any]
        let recorded = try #require(metrics?["configuration"] as? [String: Any])
        #expect(configuration.learningRateDecay == recorded["lr_decay"] as? Double)
        #expect(configuration.vocabularyThreshold == recorded["vocab_threshold"] as? Int)
        #expect(configuration.epochs == recorded["epochs"] as? Int)
        #expect(configuration.limit == nil)
        try configuration.validate()
    }

    @Test func checkpointWithoutARecordedRecipeKeepsTheDefaultRecipe() throws {
        let directory = TrainingFixtures.outputDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var model = TrainingConfiguration().modelConfiguration(vocabularySize: 50)
        model.architecture.numLayers = 3
        model.architecture.cell = .lstm
        try JSONEncoder().encode(model).write(to: directory.appendingPathComponent("config.json"))
        let configuration = try TrainingConfiguration.warmStart(from: directory)
        #expect(configuration.numLayers == 3)
        #expect(configuration.cell == .lstm)
        #expect(configuration.learningRate == TrainingConfiguration().learningRate)
        #expect(configuration.learningRateDecay == nil)
    }

    @Test func missingConfigIsRefusedNamingTheDirectory() {
        let directory = TrainingFixtures.outputDirectory()
        do {
            _ = try TrainingConfiguration.warmStart(from: directory)
            Issue.record("no error for a directory without config.json")
        } catch {
            guard case .initialCheckpoint(let path, let problem) = error.kind else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == directory.path)
            #expect(problem.contains("config.json"))
            #expect(error.isBadInput)
        }
    }
}
