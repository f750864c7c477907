import Foundation
import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Checkpoint {
    /// Sets the temperature (``ModelConfiguration/temperature``) of the checkpoint in
    /// `directory` in place, for `newsclf calibrate`: only `config.json` is rewritten, with the
    /// key `temperature` set and every other key and value kept as it was (keys the reader does
    /// not know included), in the checkpoint's canonical form (pretty-printed, sorted keys, final
    /// newline).
    ///
    /// The checkpoint is loaded and validated first, and the new `config.json` is checked before
    /// it replaces the old one: written to `.config.json.tmp-<pid>-<random>` in the directory,
    /// `fsync`ed, renamed over `config.json` (atomic: a reader sees the old file or the new one)
    /// and the directory `fsync`ed. The checkpoint digest changes with it (``digest``).
    /// - Parameters:
    ///   - temperature: the new T, finite and greater than 0.
    ///   - directory: the checkpoint directory.
    /// - Returns: the checkpoint as loaded after the change (its new ``digest``).
    /// - Throws: ``CheckpointError``: the checkpoint does not load; `.invalidConfiguration` with
    ///   key `temperature` for a bad value; `.unwritable` when the file cannot be replaced (the old
    ///   one is then kept).
    @discardableResult
    public static func setTemperature(_ temperature: Double, in directory: URL) throws(CheckpointError) -> Checkpoint {
        let file = directory.appendingPathComponent(configurationFileName)
        do {
            try ModelConfiguration.validate(temperature: temperature)
        } catch {
            throw CheckpointError(file: file.path, kind: .invalidConfiguration(key: error.key, problem: error.problem))
        }
        _ = try load(from: directory)
        let bytes: Data
        do {
            var object = try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: file))
            object[ModelConfiguration.CodingKeys.temperature.stringValue] = .number(temperature)
            bytes = try CheckpointMetrics.canonicalJSON(object)
            var configuration = try JSONDecoder().decode(ModelConfiguration.self, from: bytes)
            configuration.temperature = temperature
            try validate(configuration, file: file.path)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(file: file.path, kind: .invalidJSON("\(error)"))
        }
        let staging = directory.appendingPathComponent(
            ".\(configurationFileName).tmp-\(getpid())-\(CheckpointDirectoryWriter.randomSuffix())")
        do throws(CheckpointError) {
            try CheckpointDirectoryWriter.writeSynced(bytes, to: staging)
            guard rename(staging.path, file.path) == 0 else {
                throw CheckpointError(file: file.path, kind: .unwritable("rename: \(CheckpointDirectoryWriter.lastError())"))
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        try CheckpointDirectoryWriter.syncDirectory(directory)
        return try load(from: directory)
    }
}
