/// Why a JSON text was refused by ``StrictJSONParser``, and where: 1-based line and column
/// (columns count Unicode scalars, so a tab or an accented letter is one column).
public struct StrictJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line of the offending character, from 1.
    public var line: Int
    /// The column of the offending character in its line, from 1.
    public var column: Int
    /// What is wrong there, e.g. `duplicate key "batch_max_size" (first at line 2)`.
    public var problem: String

    public init(line: Int, column: Int, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// `line L, column C: problem`.
    public var description: String { "line \(line), column \(column): \(problem)" }
}
