import Classification
import Kafka
import Logging

/// `newsclf-worker --check`: asks the cluster for the three topics (existence, partition
/// counts) and loads and validates the model, without joining the group or consuming; for
/// operators and for systemd's `ExecStartPre=`.
///
/// The wait for the brokers is bounded by `startup_timeout_ms` (a single request of
/// ``ReadinessMonitor/metadataTimeout`` when it is 0); a missing topic is reported at once.
public enum WorkerCheck {
    /// Runs the checks of `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: the resolved settings (bootstrap servers set, or the embedded
    ///     broker's address).
    ///   - logger: librdkafka's log and the model's.
    /// - Returns: one line per check.
    public static func run(_ configuration: WorkerConfiguration, logger: Logger) async -> WorkerCheckReport {
        let check = ReadinessCheck(configuration)
        let metadata = await metadata(
            of: check.topicNames, configuration: configuration, logger: logger)
        let model: Result<TextClassifier, ModelLoadError>
        configuration.configureBLASThreads()
        do throws(ModelLoadError) {
            model = .success(
                try ModelStore(
                    path: configuration.model, inferenceOptions: configuration.inferenceOptions,
                    abstainPolicy: configuration.abstainPolicy, logger: logger
                ).current)
        } catch {
            model = .failure(error)
        }
        return report(check: check, metadata: metadata, model: model)
    }

    /// The report for what the checks found.
    ///
    /// - Parameters:
    ///   - check: the topics and brokers of the configuration.
    ///   - metadata: the metadata answer for the three topics, or the request's error.
    ///   - model: the loaded model, or why it could not be loaded.
    public static func report(
        check: ReadinessCheck, metadata: Result<[KafkaTopicMetadata], KafkaError>,
        model: Result<TextClassifier, ModelLoadError>
    ) -> WorkerCheckReport {
        var lines: [WorkerCheckReport.Line] = []
        let brokers = "brokers \(check.bootstrapServers.joined(separator: ","))"
        switch metadata {
        case .failure(let error):
            lines.append(.init(check: brokers, problem: "unreachable: \(error.name): \(error.message)"))
            for (role, name) in check.topics {
                lines.append(.init(check: "\(role) topic \"\(name)\"", problem: "not checked (brokers unreachable)"))
            }
        case .success(let described):
            lines.append(.init(check: brokers, detail: "answered metadata"))
            let byName = Dictionary(described.map { ($0.name, $0) }) { first, _ in first }
            for (role, name) in check.topics {
                let label = "\(role) topic \"\(name)\""
                if let topic = byName[name] {
                    if let error = topic.error {
                        lines.append(.init(check: label, problem: "unavailable: \(error.name): \(error.message)"))
                    } else {
                        let count = topic.partitions.count
                        lines.append(.init(check: label, detail: "\(count) partition\(count == 1 ? "" : "s")"))
                    }
                } else {
                    lines.append(.init(check: label, problem: "does not exist"))
                }
            }
        }
        switch model {
        case .success(let classifier):
            lines.append(
                .init(check: "model \(classifier.name)", detail: "loaded and validated (digest \(classifier.digest))"))
        case .failure(let error):
            lines.append(.init(check: "model", problem: "\(error)"))
        }
        return WorkerCheckReport(lines: lines)
    }

    /// Asks for the topics until a broker answers or `startup_timeout_ms` has passed.
    private static func metadata(
        of topics: [String], configuration: WorkerConfiguration, logger: Logger
    ) async -> Result<[KafkaTopicMetadata], KafkaError> {
        let admin: KafkaAdminClient
        do throws(KafkaError) {
            admin = try KafkaAdminClient(configuration: configuration.adminConfiguration, logger: logger)
        } catch {
            return .failure(error)
        }
        let clock = ContinuousClock()
        let budget = configuration.startupTimeout == .zero ? ReadinessMonitor.metadataTimeout : configuration.startupTimeout
        let deadline = clock.now + budget
        while true {
            let left = deadline - clock.now
            do throws(KafkaError) {
                return .success(
                    try await admin.metadata(
                        topics: topics, timeout: max(.milliseconds(100), min(ReadinessMonitor.metadataTimeout, left))))
            } catch {
                guard deadline - clock.now > ReadinessMonitor.startingCheckInterval else { return .failure(error) }
                try? await Task.sleep(for: ReadinessMonitor.startingCheckInterval)
            }
        }
    }
}

/// What ``WorkerCheck`` found: one line per check, `ok` or `FAILED` with the reason.
public struct WorkerCheckReport: Sendable, Hashable, CustomStringConvertible {
    /// One check's outcome.
    public struct Line: Sendable, Hashable, CustomStringConvertible {
        /// What was checked, e.g. `input topic "news.raw"`.
        public var check: String
        /// Why it failed; `nil` when it passed.
        public var problem: String?
        /// What was found when it passed (e.g. `4 partitions`).
        public var detail: String

        /// A check that failed.
        public init(check: String, problem: String) {
            self.check = check
            self.problem = problem
            self.detail = ""
        }

        /// A check that passed.
        public init(check: String, detail: String) {
            self.check = check
            self.problem = nil
            self.detail = detail
        }

        /// Whether the check passed.
        public var passed: Bool { problem == nil }

        /// `ok      <check>: <detail>` or `FAILED  <check>: <problem>`.
        public var description: String {
            if let problem { "FAILED  \(check): \(problem)" } else { "ok      \(check): \(detail)" }
        }
    }

    /// The checks, in order: brokers, input, output and dead-letter topics, model.
    public var lines: [Line]

    /// Creates the report from its lines.
    public init(lines: [Line]) {
        self.lines = lines
    }

    /// Whether every check passed (`newsclf-worker --check` exits 0, else 1).
    public var passed: Bool { lines.allSatisfy(\.passed) }

    /// The lines, one per check, and a last line `all checks passed` or `N of M checks failed`.
    public var description: String {
        let failed = lines.filter { !$0.passed }.count
        let summary = failed == 0 ? "all checks passed" : "\(failed) of \(lines.count) checks failed"
        return (lines.map(\.description) + [summary]).joined(separator: "\n")
    }
}
