import Foundation
import RecurrentNetwork
import TestSupport
import Testing
@testable import Training

@Suite(.onNumericsThreads) struct ResumeStateTests {
    func state() throws -> ResumeState {
        let configuration = TrainingFixtures.configuration
        let model = configuration.modelConfiguration(vocabularySize: 6)
        let parameters = try ModelParameters(architecture: model.architecture, seed: 5)
        var first = try ModelParameters(architecture: model.architecture, seed: 6)
        first.setZero()
        let optimizer = try AdamState(step: 17, firstMoment: try ModelParameters(architecture: model.architecture, seed: 6),
                                      secondMoment: try ModelParameters(architecture: model.architecture, seed: 7))
        var progress = TrainingProgress()
        progress.epoch = 1
        progress.batchInEpoch = 4
        progress.globalStep = 17
        progress.pendingLossSum = 3.25
        progress.curves.points = [.init(epoch: 0.5, step: 6, trainLoss: 1, trainAccuracy: 0.5, validationLoss: 1.1,
                                        validationAccuracy: 0.4, elapsedSeconds: 2)]
        progress.best = progress.curves.points.first
        return ResumeState(
            configuration: configuration, dataDigest: "sha256:00", threads: 2, progress: progress,
            modelConfiguration: model, parameters: parameters, optimizer: optimizer, vocabulary: ["<unk>", "<bos>", "<eos>", "<pad>", "the", "a"])
    }

    @Test func roundTripsThroughItsDirectory() throws {
        let saved = try state()
        let directory = TrainingFixtures.outputDirectory()
        try saved.save(to: directory)
        try saved.save(to: directory)  // replacing an existing one
        let loaded = try ResumeState.load(from: directory)
        #expect(loaded.configuration == saved.configuration)
        #expect(loaded.dataDigest == saved.dataDigest)
        #expect(loaded.threads == 2)
        #expect(loaded.progress == saved.progress)
        #expect(loaded.parameters == saved.parameters)
        #expect(loaded.optimizer == saved.optimizer)
        #expect(loaded.vocabulary == saved.vocabulary)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.deletingLastPathComponent().path)
            .filter { $0.hasPrefix(".\(directory.lastPathComponent)") }
        #expect(leftovers.isEmpty)
    }

    @Test func missingDirectoryIsAResumeMismatch() {
        let directory = TrainingFixtures.outputDirectory()
        #expect {
            try ResumeState.load(from: directory)
        } throws: { error in
            guard let error = error as? TrainingError, case .resumeMismatch(let path, _) = error.kind else { return false }
            return path == directory.path
        }
    }

    @Test func truncatedOptimizerFileIsRefused() throws {
        let directory = TrainingFixtures.outputDirectory()
        try state().save(to: directory)
        let file = directory.appendingPathComponent("optimizer.safetensors")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        #expect {
            try ResumeState.load(from: directory)
        } throws: { error in
            (error as? TrainingError)?.description.contains("optimizer.safetensors") == true
        }
    }
}
