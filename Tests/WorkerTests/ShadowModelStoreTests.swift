import Classification
import Foundation
import MetricsTestKit
import Testing
import TestSupport
import Worker

@Suite struct ShadowModelStoreTests {
    static let servedLabels: @Sendable () -> [String] = { ["World", "Sports", "Business", "Sci/Tech"] }

    /// The `shadow` symlink's life in the retraining job: absent (no shadow), pointed at a
    /// checkpoint (loaded), at one with other labels (refused, the previous stays), removed
    /// (no shadow again); the info gauge follows.
    @Test func followsTheSymlinkAndRefusesOtherLabels() throws {
        let directory = try ModelStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("shadow")
        let metrics = TestMetrics()
        let store = ShadowModelStore(
            path: link.path, servedLabels: Self.servedLabels, metrics: ShadowMetrics(factory: metrics),
            logger: WorkerTestSupport.logger)
        #expect(store.current == nil, "no link: no shadow, and no failure")
        #expect(metrics.counterTotal(label: "newsclf_shadow_failures_total") == 0)

        let notebook = PackagePaths.inShared("models/notebook-gru-partial")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: notebook)
        guard case .loaded(let digest) = store.reload() else {
            Issue.record("the shadow did not load")
            return
        }
        #expect(store.current?.digest == digest)
        #expect(try metrics.expectGauge("newsclf_shadow_model_info", [("name", "notebook-gru-partial"), ("digest", digest)]).lastValue == 1)

        let renamed = directory.appendingPathComponent("renamed")
        try FileManager.default.copyItem(at: WorkerTestSupport.shippedModel, to: renamed)
        let config = renamed.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: #""Sports""#, with: #""Athletics""#).write(to: config, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: link)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: renamed)
        guard case .refused(let error) = store.reload() else {
            Issue.record("a shadow with other labels was not refused")
            return
        }
        #expect(error.problem.contains("Athletics") && error.problem.contains("not the served model's"), "\(error)")
        #expect(store.current?.digest == digest, "the previous shadow stays")
        #expect(metrics.counterTotal(label: "newsclf_shadow_failures_total", dimensions: [("stage", "reload")]) == 1)

        try FileManager.default.removeItem(at: link)
        guard case .absent = store.reload() else {
            Issue.record("a removed link did not turn the shadow off")
            return
        }
        #expect(store.current == nil)
        #expect(try metrics.expectGauge("newsclf_shadow_model_info", [("name", "notebook-gru-partial"), ("digest", digest)]).lastValue == 0)
    }
}
