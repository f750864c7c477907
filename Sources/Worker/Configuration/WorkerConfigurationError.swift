/// A setting that cannot be used, with the key and where its value came from.
public struct WorkerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting's key (`batch_max_size`, `kafka.<property>`, or `config` for the file itself).
    public var key: String
    /// Where the value came from: `flag --batch-max-size`, `<file> key batch_max_size`,
    /// `environment NEWSCLF_BATCH_MAX_SIZE`, `<file> line 7, column 3` (a file that is not
    /// strict JSON).
    public var source: String
    /// What is wrong with it.
    public var problem: String

    public init(key: String, source: String, problem: String) {
        self.key = key
        self.source = source
        self.problem = problem
    }

    public var description: String { "invalid setting \(key) (\(source)): \(problem)" }
}
