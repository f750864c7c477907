/// Why a demo run could not be carried out (as opposed to a run that finished and found labels
/// missing, which ``StreamReport/failures`` describes).
public enum DemoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data file cannot be read (path, reason). Exit status 2.
    case unreadableData(String, String)
    /// A setting is invalid (what, why). Exit status 2.
    case invalidSetting(String, String)
    /// The worker executable is missing or cannot be started (path, reason).
    case workerDidNotStart(String, String)
    /// The worker did not become ready (reason).
    case workerNotReady(String)
    /// The broker, a topic, a producer or consumer failed (operation, error).
    case kafka(String, String)
    /// The warm-up items were not answered in time (details).
    case warmUpFailed(String)

    /// Whether the run failed on its input (exit status 2) rather than at run time (1).
    public var isBadInput: Bool {
        switch self {
        case .unreadableData, .invalidSetting: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unreadableData(let path, let reason): "cannot read \(path): \(reason)"
        case .invalidSetting(let what, let why): "\(what): \(why)"
        case .workerDidNotStart(let path, let reason): "cannot start the worker \(path): \(reason)"
        case .workerNotReady(let reason): "the worker did not become ready: \(reason)"
        case .kafka(let operation, let error): "\(operation) failed: \(error)"
        case .warmUpFailed(let details): "warm-up failed: \(details)"
        }
    }
}
