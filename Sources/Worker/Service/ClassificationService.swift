import Kafka
import ServiceLifecycle

/// ``ClassificationWorker`` as a `Service`: runs it, and on graceful shutdown (SIGTERM/SIGINT in
/// `newsclf-worker`) asks it to drain (``ClassificationWorker/requestStop()``).
///
/// Cancellation (the group's graceful-shutdown deadline passed, or another service failed) also
/// asks it to stop; ``run()`` then throws ``ClassificationServiceError/cancelled`` once the
/// worker returned, so that the executable exits with a failure status.
public struct ClassificationService: Service, CustomStringConvertible {
    /// The worker this service runs.
    public let worker: ClassificationWorker

    public init(worker: ClassificationWorker) {
        self.worker = worker
    }

    public var description: String { "ClassificationService" }

    /// Runs the worker until it drained after graceful shutdown, or fails.
    ///
    /// - Throws: ``ClassificationServiceError/kafka(_:)`` with the worker's fatal error;
    ///   ``ClassificationServiceError/cancelled`` when the task was cancelled.
    public func run() async throws(ClassificationServiceError) {
        let worker = worker
        do {
            try await withTaskCancellationOrGracefulShutdownHandler {
                try await worker.run()
            } onCancelOrGracefulShutdown: {
                worker.requestStop()
            }
        } catch let error as KafkaError {
            throw .kafka(error)
        } catch {
            throw .cancelled
        }
        if Task.isCancelled { throw .cancelled }
    }
}

/// Why ``ClassificationService/run()`` ended with an error.
public enum ClassificationServiceError: Error, Sendable, CustomStringConvertible {
    /// The worker stopped with a fatal Kafka error (see ``ClassificationWorker/run()``).
    case kafka(KafkaError)
    /// The service was cancelled: the drain outlasted the graceful-shutdown deadline, or another
    /// service of the group failed. The worker stopped, but its drain may be incomplete.
    case cancelled

    public var description: String {
        switch self {
        case .kafka(let error): "\(error)"
        case .cancelled: "cancelled before the drain finished (past the shutdown deadline, or another service failed)"
        }
    }
}
