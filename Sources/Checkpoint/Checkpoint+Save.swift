import RecurrentNetwork
import Foundation
import SafeTensors

extension Checkpoint {
    /// Writes the checkpoint directory atomically, creating or replacing `directory`.
    ///
    /// The value is validated first (as ``validate()``) and every file is serialised in memory
    /// before anything touches the disk. Then the files go into a temporary sibling directory
    /// `.<name>.tmp-<pid>-<random>`, each `fsync`ed, the directory `fsync`ed, and it is renamed
    /// into place. An existing checkpoint at `directory` is swapped out atomically (Linux
    /// `renameat2(RENAME_EXCHANGE)`, macOS `renamex_np(RENAME_SWAP)`; where unsupported, renamed
    /// aside first), then deleted, so a reader of `directory` sees the old checkpoint or the new
    /// one, never a mixture or a partial file. A failed save removes its temporary directory and
    /// leaves an existing checkpoint untouched.
    ///
    /// An existing `directory` is replaced only if it is an empty directory or a directory
    /// holding `config.json` or `model.safetensors`; a symbolic link is refused (save to its
    /// target, or repoint the link yourself).
    ///
    /// Output is deterministic: the same checkpoint gives byte-identical files. `config.json` and
    /// `metrics.json` are pretty-printed with sorted keys; `model.safetensors` holds the
    /// parameters in `state_dict` order with `__metadata__` `{"format": "pt"}`; `vocab.txt` has
    /// one token a line and a final newline.
    /// - Parameters:
    ///   - directory: the checkpoint directory to create or replace.
    ///   - dtype: the element type of `model.safetensors` (float16 rounds to nearest even).
    /// - Returns: the written `model.safetensors`: size, digest, dtypes.
    /// - Throws: ``CheckpointError``: the checkpoint is invalid; a value does not fit float16
    ///   (`.unrepresentable`); `metrics.json` has a non-finite number (`.invalidJSON`); the
    ///   destination is refused; a write, sync or rename failed.
    @discardableResult
    public func save(to directory: URL, dtype: StorageDType = .float32) throws(CheckpointError) -> ModelFile {
        try save(to: directory, dtype: dtype, beforeRename: {})
    }

    /// ``save(to:dtype:)`` with a hook run after the files are written and synced, before the
    /// rename (tests fail a save there).
    func save(
        to directory: URL, dtype: StorageDType, beforeRename: @escaping () throws(CheckpointError) -> Void
    ) throws(CheckpointError) -> ModelFile {
        try validate(in: directory)
        let model = try modelFileBytes(dtype: dtype, file: directory.appendingPathComponent(Self.modelFileName).path)
        let configurationFile = directory.appendingPathComponent(Self.configurationFileName).path
        let configurationBytes: Data
        do {
            configurationBytes = try CheckpointMetrics.canonicalJSON(configuration)
        } catch {
            throw CheckpointError(file: configurationFile, kind: .invalidJSON(String(describing: error)))
        }
        let metricsFile = directory.appendingPathComponent(Self.metricsFileName).path
        let metricsBytes: Data
        do {
            metricsBytes = try metrics.jsonData()
        } catch {
            throw CheckpointError(file: metricsFile, kind: .invalidJSON("cannot encode: \(error)"))
        }
        let vocabularyBytes = Data(vocabulary.map { $0 + "\n" }.joined().utf8)

        let writer = CheckpointDirectoryWriter(destination: directory, beforeRename: beforeRename)
        try writer.write([
            (Self.vocabularyFileName, vocabularyBytes),
            (Self.metricsFileName, metricsBytes),
            (Self.configurationFileName, configurationBytes),
            (Self.modelFileName, model),
        ])
        return ModelFile(
            url: directory.appendingPathComponent(Self.modelFileName), byteCount: model.count,
            digest: Self.digest(of: model), dtypes: parameters.mapValues { _ in dtype.dtype })
    }

    /// The `model.safetensors` bytes in `dtype`.
    /// - Throws: `.unrepresentable` for a value beyond float16's range.
    func modelFileBytes(dtype: StorageDType, file: String) throws(CheckpointError) -> Data {
        var entries: [SafeTensorsWriter.Entry] = []
        for (name, tensor) in orderedParameters {
            if dtype == .float16, let index = tensor.values.firstIndex(where: { !Float16($0).isFinite }) {
                throw CheckpointError(file: file, tensor: name, kind: .unrepresentable(index: index, dtype: .float16))
            }
            entries.append(.init(name: name, shape: tensor.shape, floats: tensor.values, dtype: dtype.dtype))
        }
        return SafeTensorsWriter().serialize(entries, metadata: ["format": "pt"])
    }
}
