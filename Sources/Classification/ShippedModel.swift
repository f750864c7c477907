import Foundation

/// Where the default model (`agnews-gru`) lives, so `--model` can be left out everywhere
/// (DESIGN.md "Interfaces").
///
/// Candidates, first existing wins:
/// 1. `$NEWSCLF_MODEL` when set (and then only it: a wrong value is an error, not a fallback);
/// 2. `<prefix>/share/newsclf/models/agnews-gru`, where `<prefix>` is the directory above the
///    running executable's `bin/` (the `scripts/install` layout, `/usr/local` by default);
/// 3. `models/agnews-gru` of the source checkout the executable was built in
///    (`<checkout>/.build/<config>/<exe>` or `<checkout>/.build/<triple>/<config>/<exe>`);
/// 4. `/usr/local/share/newsclf/models/agnews-gru`.
public enum ShippedModel {
    /// The shipped model's directory name.
    public static let name = "agnews-gru"

    /// The directory of the default model.
    /// - Throws: ``ClassifierError/modelNotFound(_:)`` listing the places searched.
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClassifierError) -> URL {
        if let explicit = environment["NEWSCLF_MODEL"], !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw .modelNotFound(["\(explicit) (from NEWSCLF_MODEL)"])
            }
            return url
        }
        let candidates = self.candidates()
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("config.json").path) {
            return candidate
        }
        throw .modelNotFound(candidates.map(\.path))
    }

    static func candidates() -> [URL] {
        var result: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let binDirectory = executable.deletingLastPathComponent()
        result.append(binDirectory.deletingLastPathComponent().appendingPathComponent("share/newsclf/models/\(name)"))
        // Walk up from the executable to a directory holding `.build`, i.e. the checkout.
        var directory = binDirectory
        for _ in 0..<4 {
            if directory.lastPathComponent.hasPrefix(".build") {
                result.append(directory.deletingLastPathComponent().appendingPathComponent("models/\(name)"))
                break
            }
            directory = directory.deletingLastPathComponent()
        }
        result.append(URL(fileURLWithPath: "/usr/local/share/newsclf/models/\(name)"))
        return result
    }
}
