import Foundation

/// Writes a small directory of files so that a reader sees the old version or the new one:
/// files go into a temporary sibling `.<name>.tmp-<pid>`, each `fsync`ed, then the old
/// directory is renamed aside, the new one renamed into place, and the old one deleted.
enum AtomicDirectory {
    /// Writes `files` (name, bytes) as `directory`, replacing it.
    /// - Throws: ``TrainingError`` `.writeFailed` naming the path; the old directory is kept.
    static func write(_ files: [(String, Data)], to directory: URL) throws(TrainingError) {
        let manager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let pid = ProcessInfo.processInfo.processIdentifier
        let temporary = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(pid)")
        let aside = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(pid)")
        do {
            try? manager.removeItem(at: temporary)
            try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
            for (name, bytes) in files {
                let url = temporary.appendingPathComponent(name)
                guard manager.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
                }
                let handle = try FileHandle(forWritingTo: url)
                try handle.write(contentsOf: bytes)
                try handle.synchronize()
                try handle.close()
            }
            if manager.fileExists(atPath: directory.path) {
                try? manager.removeItem(at: aside)
                try manager.moveItem(at: directory, to: aside)
            }
            try manager.moveItem(at: temporary, to: directory)
            try? manager.removeItem(at: aside)
        } catch {
            try? manager.removeItem(at: temporary)
            if !manager.fileExists(atPath: directory.path), manager.fileExists(atPath: aside.path) {
                try? manager.moveItem(at: aside, to: directory)
            }
            throw TrainingError(.writeFailed(path: directory.path, problem: error.localizedDescription))
        }
    }
}
