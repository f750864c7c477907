import ArgumentParser
import CommandLineSupport
import Foundation
import Kafka
import Logging
import UnixSignals
import WireFormat

/// `newsclf dev-broker`: librdkafka's mock Kafka cluster (``KafkaMockCluster``) as a process of
/// its own, with the worker's topics, for development and demos without a Kafka installation.
///
/// Standard output gets exactly one line, the bootstrap address (`127.0.0.1:PORT`, or several
/// comma-separated with `--brokers`), flushed at once, so that a script can read it; the
/// description for people goes to standard error. Runs until SIGINT or SIGTERM, then stops the
/// brokers and exits 0. The mock keeps everything in memory, at most 5 MiB per partition
/// (`../shared/KAFKA-TESTING.md`), and does not model exactly-once.
struct DevBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Run librdkafka's mock Kafka cluster with the worker's topics until SIGINT/SIGTERM.",
        discussion: """
            Prints the bootstrap address as the only line on standard output, e.g. \
            `newsclf-worker --bootstrap-servers "$(head -1 addr.txt)"` after \
            `newsclf dev-broker > addr.txt &`. In memory only; at most 5 MiB per partition; no \
            exactly-once semantics (transactional offsets are dropped). For development and demos.
            """)

    @Option(help: "Partitions per topic.")
    var partitions: Int32 = 4

    @Option(help: "Comma-separated topics to create (the worker's input, output and dead-letter topics).")
    var topics: String = DefaultTopics.all.joined(separator: ",")

    @Option(help: "Number of brokers.")
    var brokers: Int = 1

    /// The topic names, without empty entries.
    var topicNames: [String] {
        topics.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        guard (1...10_000).contains(partitions) else {
            throw ValidationError("--partitions must be 1...10000, got \(partitions)")
        }
        guard (1...64).contains(brokers) else { throw ValidationError("--brokers must be 1...64, got \(brokers)") }
        guard !topicNames.isEmpty else { throw ValidationError("--topics names no topic") }
    }

    func run() async throws {
        let stop = await UnixSignalsSequence(trapping: .sigint, .sigterm)

        // The mock's owning handle has no bootstrap servers of its own and says so at `notice`.
        var logger = Logger(label: "newsclf.dev-broker")
        logger.logLevel = .warning
        let cluster: KafkaMockCluster
        do {
            cluster = try KafkaMockCluster(brokerCount: brokers, logger: logger)
            for name in topicNames {
                try cluster.createTopic(name, partitions: partitions)
            }
        } catch {
            throw CommandFailure.runtime("cannot start the mock cluster: \(error)")
        }
        print(cluster.bootstrapServers)
        fflush(nil)
        FileHandle.standardError.write(
            Data(
                """
                newsclf dev-broker: librdkafka mock cluster (\(brokers) broker\(brokers == 1 ? "" : "s")) \
                at \(cluster.bootstrapServers); topics \(topicNames.joined(separator: ", ")) with \
                \(partitions) partition\(partitions == 1 ? "" : "s") each; SIGINT/SIGTERM stops it

                """.utf8))

        for await signal in stop {
            FileHandle.standardError.write(Data("newsclf dev-broker: signal \(signal.rawValue); stopping\n".utf8))
            break
        }
        cluster.stop()
    }
}
