import Foundation

/// Where the tests find the package's files and the shared fixtures.
///
/// The shared fixtures (PyTorch reference outputs, AG News, the notebook model) live in
/// `../shared`, beside the package root: `/work/shared` for a worktree `/work/wt-X`.
public enum PackagePaths {
    /// The package root (three levels above this file: `Tests/TestSupport/PackagePaths.swift`).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared`, the fixtures shared by every checkout.
    public static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")

    /// `path` inside the package (e.g. `models/agnews-gru`).
    public static func inPackage(_ path: String) -> URL {
        root.appendingPathComponent(path)
    }

    /// `path` inside `../shared` (e.g. `fixtures/gru`).
    public static func inShared(_ path: String) -> URL {
        shared.appendingPathComponent(path)
    }

    /// The shipped checkpoint (`models/agnews-gru`).
    public static let shippedModel = inPackage("models/agnews-gru")

    /// The AG News test split the project ships (`data/ag_news/test.csv.gz`).
    public static let agNewsTest = inPackage("data/ag_news/test.csv.gz")
}
