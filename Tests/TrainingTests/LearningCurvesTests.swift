import Foundation
import TestSupport
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Training

@Suite(.onNumericsThreads) struct LearningCurvesTests {
    let curves = LearningCurves(points: [
        .init(epoch: 0.5, step: 10, trainLoss: 1.2, trainAccuracy: 0.4, validationLoss: 1.0, validationAccuracy: 0.5, elapsedSeconds: 3),
        .init(epoch: 1, step: 20, trainLoss: 0.8, trainAccuracy: 0.7, validationLoss: 0.9, validationAccuracy: 0.65, elapsedSeconds: 6.5),
    ])

    @Test func csvHasAHeaderAndOneRowPerEvaluation() {
        let lines = curves.csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first.map(String.init) == LearningCurves.csvHeader)
        #expect(lines.count == 4)  // header, 2 rows, the empty string after the final newline
        #expect(lines[2] == "1.0000,20,0.800000,0.700000,0.900000,0.650000,6.5")
    }

    @Test func svgIsWellFormedXMLWithFourSeries() throws {
        let svg = curves.svg
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4)
    }

    @Test func svgOfNoPointsIsStillWellFormed() {
        #expect(XMLParser(data: Data(LearningCurves().svg.utf8)).parse())
    }

    @Test func writeCreatesBothFiles() throws {
        let directory = TrainingFixtures.outputDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try curves.write(to: directory)
        #expect(try String(contentsOf: directory.appendingPathComponent("curves.csv"), encoding: .utf8) == curves.csv)
        #expect(try String(contentsOf: directory.appendingPathComponent("curves.svg"), encoding: .utf8) == curves.svg)
    }

    @Test func writeIntoAMissingDirectoryFails() {
        let directory = TrainingFixtures.outputDirectory().appendingPathComponent("absent")
        #expect(throws: TrainingError.self) { try curves.write(to: directory) }
    }
}
