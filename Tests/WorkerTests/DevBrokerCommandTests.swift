import Foundation
import Kafka
import Testing
import Worker

extension WorkerBrokerTests {
    /// `newsclf dev-broker` as a child process: prints its bootstrap address as one line, carries
    /// a message from a producer to a consumer, creates the requested topics, and exits 0 on
    /// SIGTERM and SIGINT. Nested in ``WorkerBrokerTests`` to run apart from the other broker tests.
    @Suite(.enabled(if: WorkerExecutable.named("newsclf") != nil, "newsclf is not built"))
    struct DevBrokerCommandTests {
        /// A running `newsclf dev-broker` and the address it printed.
        struct DevBroker {
            let process: Process
            let bootstrapServers: String

            init(_ arguments: [String] = []) throws {
                process = Process()
                process.executableURL = WorkerExecutable.named("newsclf")
                process.arguments = ["dev-broker"] + arguments
                process.environment = ["PATH": "/usr/bin:/bin"]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                // The first line of standard output, read byte by byte up to the newline.
                var line: [UInt8] = []
                while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
                    line.append(byte)
                }
                bootstrapServers = String(decoding: line, as: UTF8.self)
            }

            /// Sends `signal` and waits for the exit.
            func stop(_ signal: Int32 = SIGTERM) {
                kill(process.processIdentifier, signal)
                process.waitUntilExit()
            }
        }

        @Test func printsItsAddressAndCarriesAMessageToTheWorkersInputTopic() async throws {
            let broker = try DevBroker()
            defer { if broker.process.isRunning { broker.stop(SIGKILL) } }
            let parts = broker.bootstrapServers.split(separator: ":")
            #expect(parts.count == 2 && parts[0] == "127.0.0.1" && Int(parts[1]) != nil, "\(broker.bootstrapServers)")

            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: [broker.bootstrapServers]),
                logger: WorkerTestSupport.logger)
            let reports = await producer.send(
                [KafkaProducerMessage(topic: WorkerTopics.defaultInput, key: Array("k".utf8), value: Array("hello".utf8))])
            await producer.close()
            #expect(reports.first?.isDelivered == true, "\(String(describing: reports.first?.error))")

            var configuration = KafkaConsumerConfiguration(
                bootstrapServers: [broker.bootstrapServers], groupID: WorkerBrokerFixture.freshGroupID())
            configuration.sessionTimeout = .milliseconds(3000)
            configuration.heartbeatInterval = .milliseconds(300)
            let consumer = try KafkaConsumer(configuration: configuration, logger: WorkerTestSupport.logger)
            try consumer.subscribe(topics: [WorkerTopics.defaultInput])
            var received: [KafkaConsumerMessage] = []
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while received.isEmpty && ContinuousClock.now < deadline {
                received += try await consumer.poll(maxMessages: 10, timeout: .milliseconds(200)).messages
            }
            try await consumer.close()
            #expect(received.map(\.value) == [Array("hello".utf8)])

            broker.stop(SIGTERM)
            #expect(broker.process.terminationReason == .exit)
            #expect(broker.process.terminationStatus == 0, "SIGTERM stops it with status 0")
        }

        @Test func createsTheRequestedTopicsWithTheRequestedPartitionsAndStopsOnSIGINT() async throws {
            let broker = try DevBroker(["--topics", "alpha,beta", "--partitions", "3"])
            defer { if broker.process.isRunning { broker.stop(SIGKILL) } }
            let admin = try KafkaAdminClient(
                configuration: KafkaAdminConfiguration(bootstrapServers: [broker.bootstrapServers]),
                logger: WorkerTestSupport.logger)
            let metadata = try await admin.metadata(topics: ["alpha", "beta"], timeout: .seconds(10))
            #expect(metadata.map(\.name).sorted() == ["alpha", "beta"])
            #expect(metadata.allSatisfy { $0.partitions.count == 3 && $0.error == nil })

            broker.stop(SIGINT)
            #expect(broker.process.terminationReason == .exit)
            #expect(broker.process.terminationStatus == 0, "SIGINT stops it with status 0")
        }

        @Test func refusesZeroPartitionsWithAUsageError() throws {
            let process = Process()
            process.executableURL = WorkerExecutable.named("newsclf")
            process.arguments = ["dev-broker", "--partitions", "0"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 2)
        }
    }
}
