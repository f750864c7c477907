import RecurrentNetwork
import Foundation
import SafeTensors

#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
private let systemClose = Darwin.close
#endif

extension Checkpoint {
    /// Reads and validates a checkpoint directory. All four files must be present.
    ///
    /// Everything is checked before the value is returned, so a caller (the worker reloading on
    /// SIGHUP) either gets a complete, consistent checkpoint or an error and keeps what it had:
    /// - `config.json` is JSON of ``ModelConfiguration``'s schema and passes
    ///   ``ModelConfiguration/validate()``;
    /// - `vocab.txt` (UTF-8, one token a line, final newline optional) passes the vocabulary checks
    ///   of ``validate()`` (`vocab_size` distinct tokens, special tokens at their ids);
    /// - `metrics.json` is a JSON object;
    /// - `model.safetensors` is a complete safetensors file whose tensors are exactly the
    ///   architecture's (strict `load_state_dict`), with its shapes, stored as F32, F16 or BF16
    ///   (converted to float32), all finite.
    ///
    /// The directory is opened once and every file is read relative to that handle, so a
    /// checkpoint that is replaced while it is being read (``save(to:dtype:)`` swaps directories,
    /// a symbolic link may be repointed) is read entirely from one version, or fails with
    /// `.missingFile` when the old version is deleted mid-read.
    /// - Parameter directory: the checkpoint directory (or a symbolic link to it).
    /// - Returns: the checkpoint, with ``modelFile`` describing `model.safetensors` (its digest).
    /// - Throws: ``CheckpointError`` naming the file and, for parameters, the tensor.
    public static func load(from directory: URL) throws(CheckpointError) -> Checkpoint {
        let reader = try DirectoryReader(directory)
        defer { reader.close() }

        let configurationFile = directory.appendingPathComponent(configurationFileName).path
        let configurationBytes = try reader.read(configurationFileName)
        let configuration: ModelConfiguration
        do {
            configuration = try JSONDecoder().decode(ModelConfiguration.self, from: configurationBytes)
        } catch let error as DecodingError {
            try checkNonFiniteTemperature(configurationBytes, file: configurationFile)
            throw CheckpointError(file: configurationFile, kind: .invalidJSON(Self.describe(error)))
        } catch let error as ModelConfiguration.ValidationError {
            throw CheckpointError(file: configurationFile, kind: .invalidConfiguration(key: error.key, problem: error.problem))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(file: configurationFile, kind: .invalidJSON(String(describing: error)))
        }
        try validate(configuration, file: configurationFile)

        let vocabularyFile = directory.appendingPathComponent(vocabularyFileName).path
        let vocabularyBytes = try reader.read(vocabularyFileName)
        let vocabulary = try parseVocabulary(vocabularyBytes, file: vocabularyFile)
        try validate(vocabulary: vocabulary, for: configuration, file: vocabularyFile)

        let metricsFile = directory.appendingPathComponent(metricsFileName).path
        let metrics: CheckpointMetrics
        do {
            metrics = try CheckpointMetrics(jsonData: try reader.read(metricsFileName))
        } catch let error as DecodingError {
            throw CheckpointError(file: metricsFile, kind: .invalidJSON(Self.describe(error)))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(file: metricsFile, kind: .invalidJSON(String(describing: error)))
        }

        let modelURL = directory.appendingPathComponent(modelFileName)
        let bytes = try reader.read(modelFileName)
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(data: bytes, source: modelURL.path)
        } catch {
            throw CheckpointError(error)
        }
        var checkpoint = Checkpoint(
            unchecked: configuration, parameters: try parameters(in: file, for: configuration),
            metrics: metrics, vocabulary: vocabulary)
        checkpoint.modelFile = ModelFile(
            url: modelURL, byteCount: bytes.count, digest: digest(of: bytes),
            dtypes: file.tensors.mapValues(\.dtype))
        checkpoint.digest = digest(model: bytes, configuration: configurationBytes, vocabulary: vocabularyBytes)
        return checkpoint
    }

    /// JSON has no NaN or infinity, so a `config.json` with `"temperature": NaN` (as Python's
    /// `json.dump` writes it) or `Infinity` does not parse at all. Before reporting that as bad
    /// JSON, this reads the file leniently (JSON5, which has those numbers) and, when the
    /// temperature is the problem, names it.
    /// - Throws: `.invalidConfiguration(key: "temperature", …)` when the lenient reading finds a
    ///   temperature that is not a finite number greater than 0; nothing otherwise.
    static func checkNonFiniteTemperature(_ bytes: Data, file: String) throws(CheckpointError) {
        struct TemperatureOnly: Decodable { var temperature: Double? }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        guard let temperature = (try? decoder.decode(TemperatureOnly.self, from: bytes))?.temperature else { return }
        do {
            try ModelConfiguration.validate(temperature: temperature)
        } catch {
            throw CheckpointError(file: file, kind: .invalidConfiguration(key: error.key, problem: error.problem))
        }
    }

    /// The parameters of `configuration`'s architecture from a safetensors file with PyTorch
    /// `state_dict` names (a checkpoint's `model.safetensors`, or the GRU fixtures).
    ///
    /// Strict as `load_state_dict(strict=True)`: every name of
    /// ``ModelArchitecture/parameterShapes`` present with its shape, no other tensor; each stored
    /// as F32, F16 or BF16 (widened to float32 exactly) and finite.
    /// - Throws: ``CheckpointError`` naming `file.source` and the tensor.
    public static func parameters(
        in file: SafeTensorsFile, for configuration: ModelConfiguration
    ) throws(CheckpointError) -> [String: Tensor] {
        try checkNames(Set(file.tensors.keys), for: configuration, file: file.source)
        var result: [String: Tensor] = [:]
        for (name, shape) in configuration.architecture.parameterShapes {
            let view = file.tensors[name]!
            guard [DType.float32, .float16, .bfloat16].contains(view.dtype) else {
                throw CheckpointError(file: file.source, tensor: name, kind: .wrongDType(view.dtype))
            }
            guard view.shape == shape else {
                throw CheckpointError(file: file.source, tensor: name, kind: .wrongShape(expected: shape, actual: view.shape))
            }
            let values: [Float]
            do {
                values = try view.floats()
            } catch {
                throw CheckpointError(error)
            }
            try checkFinite(values, file: file.source, tensor: name)
            result[name] = Tensor(shape: shape, values: values)
        }
        return result
    }

    /// A checkpoint from parts already validated.
    init(unchecked configuration: ModelConfiguration, parameters: [String: Tensor], metrics: CheckpointMetrics, vocabulary: [String]) {
        self.configuration = configuration
        self.parameters = parameters
        self.metrics = metrics
        self.vocabulary = vocabulary
    }

    /// `vocab.txt` as tokens: UTF-8, split at `\n`; a final newline ends the last token.
    static func parseVocabulary(_ data: Data, file: String) throws(CheckpointError) -> [String] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw CheckpointError(file: file, kind: .unreadable("not valid UTF-8"))
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// A one-line account of a JSON decoding failure: the key path (as in the JSON file) and the
    /// problem.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \"\(path(context.codingPath + [key]))\""
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected a value of type \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): null, expected a value of type \(type)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = context.underlyingError.map { " (\(String(describing: $0)))" } ?? ""
                return "\(context.debugDescription)\(detail)"
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }
}

/// An open checkpoint directory: every file is read relative to one directory descriptor, so all
/// come from the same directory even if its path is renamed or repointed meanwhile.
private struct DirectoryReader {
    let directory: URL
    let descriptor: Int32

    init(_ directory: URL) throws(CheckpointError) {
        self.directory = directory
        descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw CheckpointError(
                file: directory.path,
                kind: code == ENOENT ? .missingFile : code == ENOTDIR ? .notADirectory : .unreadable(Self.message(code)))
        }
    }

    func close() {
        _ = systemClose(descriptor)
    }

    /// The whole content of the regular file `name` in the directory.
    func read(_ name: String) throws(CheckpointError) -> Data {
        let path = directory.appendingPathComponent(name).path
        // O_NONBLOCK: opening a FIFO planted under a checkpoint name must not hang the reader;
        // it has no effect on regular files, and anything else is refused below.
        let fd = openat(descriptor, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw CheckpointError(file: path, kind: code == ENOENT ? .missingFile : .unreadable(Self.message(code)))
        }
        defer { _ = systemClose(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CheckpointError(file: path, kind: .unreadable(Self.message(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw CheckpointError(file: path, kind: .unreadable("not a regular file"))
        }
        var data = Data(count: Int(info.st_size))
        var filled = 0
        let failure: Int32? = data.withUnsafeMutableBytes { raw in
            while filled < raw.count {
                let n = systemRead(fd, raw.baseAddress! + filled, raw.count - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { break }  // the file shrank while being read
                filled += n
            }
            return nil
        }
        if let failure { throw CheckpointError(file: path, kind: .unreadable(Self.message(failure))) }
        // A file that shrank is read as it is now; its own validation decides whether it is whole.
        return data.prefix(filled)
    }

    static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
