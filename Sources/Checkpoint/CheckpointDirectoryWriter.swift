import Foundation

#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Writes a checkpoint's files as one directory, atomically: a reader of the destination path
/// sees either the complete old directory or the complete new one, never a partial one.
///
/// The steps:
/// 1. Refuse a destination that exists and is not a directory, is a symbolic link, or is a
///    non-empty directory without a `config.json` or `model.safetensors` (so a mistyped path
///    never deletes an unrelated directory).
/// 2. Create a temporary sibling `.<name>.tmp-<pid>-<random>`, write every file into it with
///    `O_EXCL`, `fsync` each file and then the directory.
/// 3. No destination: `rename(2)` the temporary directory into place.
///    Existing destination: swap the two atomically (Linux `renameat2(RENAME_EXCHANGE)`, macOS
///    `renamex_np(RENAME_SWAP)`), so the path never stops naming a complete checkpoint; where the
///    file system cannot swap, the old directory is first renamed aside to
///    `.<name>.old-<pid>-<random>` and the new one renamed into place (then, between the two
///    renames, the path briefly does not exist — it is never half-written).
/// 4. `fsync` the parent directory, then delete the old directory (best effort: a failure to
///    delete leaves a hidden `.<name>.tmp-…`/`.old-…` sibling; the save has still succeeded).
///
/// Any failure before step 3 removes the temporary directory and leaves the destination as it was.
struct CheckpointDirectoryWriter {
    /// The directory to create or replace.
    var destination: URL
    /// Called after every file is written and synced and before the rename; tests use it to fail
    /// a save at its last moment.
    var beforeRename: () throws(CheckpointError) -> Void = {}

    /// Files that mark an existing directory as a checkpoint that may be replaced.
    static let checkpointMarkers = [Checkpoint.configurationFileName, Checkpoint.modelFileName]

    /// Writes `files` (name, contents) as the destination directory.
    /// - Throws: ``CheckpointError`` `.refusedDestination` or `.unwritable`, naming the path.
    func write(_ files: [(name: String, contents: Data)]) throws(CheckpointError) {
        let parent = destination.deletingLastPathComponent()
        let name = destination.lastPathComponent
        try checkDestination()

        let staging = parent.appendingPathComponent(".\(name).tmp-\(getpid())-\(Self.randomSuffix())")
        guard mkdir(staging.path, 0o755) == 0 else {
            throw CheckpointError(file: staging.path, kind: .unwritable("mkdir: \(Self.lastError())"))
        }
        do throws(CheckpointError) {
            for file in files {
                try Self.writeSynced(file.contents, to: staging.appendingPathComponent(file.name))
            }
            try Self.syncDirectory(staging)
            try beforeRename()
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }

        var leftover: URL?
        if Self.exists(destination) {
            if Self.exchange(staging, destination) {
                leftover = staging
            } else {
                let aside = parent.appendingPathComponent(".\(name).old-\(getpid())-\(Self.randomSuffix())")
                guard rename(destination.path, aside.path) == 0 else {
                    let why = Self.lastError()
                    try? FileManager.default.removeItem(at: staging)
                    throw CheckpointError(file: destination.path, kind: .unwritable("rename aside: \(why)"))
                }
                guard rename(staging.path, destination.path) == 0 else {
                    let why = Self.lastError()
                    _ = rename(aside.path, destination.path)
                    try? FileManager.default.removeItem(at: staging)
                    throw CheckpointError(file: destination.path, kind: .unwritable("rename: \(why)"))
                }
                leftover = aside
            }
        } else {
            guard rename(staging.path, destination.path) == 0 else {
                let why = Self.lastError()
                try? FileManager.default.removeItem(at: staging)
                throw CheckpointError(file: destination.path, kind: .unwritable("rename: \(why)"))
            }
        }
        try Self.syncDirectory(parent)
        if let leftover { try? FileManager.default.removeItem(at: leftover) }
    }

    /// Step 1: refuses destinations that must not be replaced.
    private func checkDestination() throws(CheckpointError) {
        var info = stat()
        guard lstat(destination.path, &info) == 0 else {
            guard errno == ENOENT else {
                throw CheckpointError(file: destination.path, kind: .unwritable("lstat: \(Self.lastError())"))
            }
            return
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFLNK {
            throw CheckpointError(
                file: destination.path,
                kind: .refusedDestination("it is a symbolic link; save to the directory it points to"))
        }
        guard type == S_IFDIR else {
            throw CheckpointError(file: destination.path, kind: .refusedDestination("it is not a directory"))
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []
        guard contents.isEmpty || Self.checkpointMarkers.contains(where: contents.contains) else {
            throw CheckpointError(
                file: destination.path,
                kind: .refusedDestination("it is a non-empty directory without config.json or model.safetensors"))
        }
    }

    /// Writes `data` to a new file (`O_EXCL`) and `fsync`s it.
    static func writeSynced(_ data: Data, to url: URL) throws(CheckpointError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CheckpointError(file: url.path, kind: .unwritable("open: \(lastError())")) }
        defer { close(fd) }
        let failure: String? = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return "write: \(lastError())"
                }
                offset += n
            }
            return nil
        }
        if let failure { throw CheckpointError(file: url.path, kind: .unwritable(failure)) }
        guard fsync(fd) == 0 else { throw CheckpointError(file: url.path, kind: .unwritable("fsync: \(lastError())")) }
    }

    /// `fsync`s a directory, so the names in it (new files, renames) are durable.
    static func syncDirectory(_ url: URL) throws(CheckpointError) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw CheckpointError(file: url.path, kind: .unwritable("open: \(lastError())")) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CheckpointError(file: url.path, kind: .unwritable("fsync: \(lastError())")) }
    }

    /// Whether anything (a link included) exists at `url`.
    private static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    /// Atomically exchanges two existing paths; `false` where the system or file system cannot.
    private static func exchange(_ a: URL, _ b: URL) -> Bool {
        #if os(Linux)
        // renameat2(2) is declared only under _GNU_SOURCE, which Swift's Glibc module does not
        // set; glibc ≥ 2.28 exports it, so look it up by name.
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1  // RENAME_EXCHANGE, <linux/fs.h>
        return renameat2(AT_FDCWD, a.path, AT_FDCWD, b.path, renameExchange) == 0
        #elseif canImport(Darwin)
        return renamex_np(a.path, b.path, UInt32(RENAME_SWAP)) == 0
        #else
        return false
        #endif
    }

    static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
