import Classification
import Foundation
import WireFormat

/// Everything one demo run needs: where the items come from, which broker and topics, which
/// worker binary and model, and what to mix in.
public struct DemoConfiguration: Sendable {
    /// The broker the demo runs against.
    public enum Broker: Sendable, Equatable {
        /// librdkafka's mock cluster inside the demo process (one broker), reached by the worker
        /// over TCP on 127.0.0.1.
        case embedded
        /// An external Kafka cluster, `host:port[,host:port…]`.
        case external(String)
    }

    /// The broker.
    public var broker: Broker
    /// The AG News CSV file (plain or gzip).
    public var dataFile: URL
    /// Publish only the first `limit` rows (all when `nil`).
    public var limit: Int?
    /// The checkpoint directory the worker serves.
    public var model: URL
    /// The `newsclf-worker` binary.
    public var workerExecutable: URL
    /// Unique to the run: prefix of every key and `id`, part of the group ids (and, on an external
    /// cluster, of the default topic names).
    public var runID: String
    /// Input, output and dead-letter topics.
    public var inputTopic: String, outputTopic: String, deadLetterTopic: String
    /// Partitions of each topic the demo creates.
    public var partitions: Int32 = 4
    /// Whether to mix the malformed inputs (``MalformedInput/catalog(idPrefix:oversizeBytes:)``) into the stream.
    public var includesMalformedInput = true
    /// At most this many messages per second (`nil`: as fast as the producer takes them).
    public var rate: Double?
    /// Example items to show.
    public var exampleCount = 6
    /// How long to wait for every answer once publishing started.
    public var answerTimeout: Duration = .seconds(600)
    /// Where the worker's log goes.
    public var workerLog: URL
    /// librdkafka properties for every client of the run, the worker's included (e.g. security
    /// settings of an external cluster).
    public var kafkaProperties: [String: String] = [:]
    /// The worker's `max_message_bytes` for the run (its default is 1 MiB, which most brokers
    /// would refuse to take before the worker could): below ``oversizeMessageBytes``.
    public var workerMaxMessageBytes = 65_536
    /// The size of the oversize malformed input: over ``workerMaxMessageBytes``, under the usual
    /// broker limit (`message.max.bytes`, about 1 MB).
    public var oversizeMessageBytes = 100_000
    /// Whether to classify the same items in process afterwards and compare (what `newsclf eval`
    /// computes).
    public var checksAgainstModel = true

    /// A configuration with the defaults: on the embedded broker, topics `news.raw`,
    /// `news.labels`, `news.raw.dlq`; on an external cluster, topics named after the run
    /// (`newsclf-demo-<run>.raw`, `….labels`, `….raw.dlq`) so that earlier runs do not interfere.
    public init(
        broker: Broker, dataFile: URL, model: URL, workerExecutable: URL, runID: String = Self.newRunID(),
        workerLog: URL? = nil
    ) {
        self.broker = broker
        self.dataFile = dataFile
        self.model = model
        self.workerExecutable = workerExecutable
        self.runID = runID
        switch broker {
        case .embedded:
            (inputTopic, outputTopic, deadLetterTopic) = (DefaultTopics.input, DefaultTopics.output, DefaultTopics.deadLetter)
        case .external:
            let base = "newsclf-demo-\(runID)"
            (inputTopic, outputTopic, deadLetterTopic) = ("\(base).raw", "\(base).labels", "\(base).raw.dlq")
        }
        self.workerLog = workerLog
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("newsclf-demo-\(runID)-worker.log")
    }

    /// The worker's consumer group (fresh per run).
    public var workerGroupID: String { "newsclf-demo-\(runID)" }
    /// The demo's own output reader's group (fresh per run).
    public var collectorGroupID: String { "newsclf-demo-\(runID)-reader" }

    /// A short random run id (8 lowercase hex digits).
    public static func newRunID() -> String {
        String(UInt32.random(in: .min ... .max), radix: 16).leftPadded(to: 8)
    }

    /// The `newsclf-worker` beside the running executable (how `swift build` and
    /// `scripts/install` lay them out).
    public static func workerBesideExecutable() -> URL {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("newsclf-worker")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
