import Kafka
import StreamHarness
import TestSupport
import Testing

struct OutputTallyTests {
    @Test func labelsAndDeadLettersAreSortedToTheirMembers() throws {
        let stream = StreamRecords.stream(trueLabels: [0, 1, 2])
        let tally = try StreamRecords.tally(stream: stream, predictions: [0, 3, 2])
        #expect(tally.labels.map { $0.map(\.labelID) } == [[0], [3], [2]])
        #expect(tally.labels[1][0].probability == 0.7, "the JSON of Float 0.7 is 0.7")
        #expect(tally.deadLetters.map(\.count) == Array(repeating: 1, count: 7))
        #expect(tally.deadLetters.allSatisfy { $0[0].valueUnchanged })
        #expect(tally.isAnswered)
        #expect(tally.foreignCount == 0)
    }

    @Test func anItemThatBecameADeadLetterIsAnsweredSoTheWaitEnds() throws {
        let stream = StreamRecords.stream(trueLabels: [0, 1])
        var tally = try StreamRecords.tally(stream: stream, predictions: [0, nil])
        #expect(!tally.isAnswered)
        tally.record(
            StreamRecords.deadLetterRecord(key: stream.itemID(1), value: [0x7B], kind: "invalid_json"), receivedAt: .zero,
            classCount: 4)
        #expect(tally.isAnswered)
        #expect(tally.answeredItemCount == 2)
        #expect(tally.labelledCount == 1)
        #expect(tally.itemDeadLetters == [0, 1])
    }

    @Test func recordsOfOtherRunsAreCountedNotSorted() throws {
        let stream = StreamRecords.stream(trueLabels: [0])
        var tally = OutputTally(stream: stream, outputTopic: StreamRecords.output, deadLetterTopic: StreamRecords.deadLetters)
        tally.record(try StreamRecords.labelRecord(id: "run0/0", labelID: 1), receivedAt: .zero, classCount: 4)
        tally.record(
            StreamRecords.deadLetterRecord(key: "run0/bad/0", value: [0xFF], kind: "invalid_utf8"), receivedAt: .zero,
            classCount: 4)
        #expect(tally.foreignCount == 2)
        #expect(tally.labelledCount == 0)
        #expect(!tally.isAnswered)
    }

    @Test func aLabelThatIsNotALabelMessageIsUndecodable() {
        let stream = StreamRecords.stream(trueLabels: [0])
        var tally = OutputTally(stream: stream, outputTopic: StreamRecords.output, deadLetterTopic: StreamRecords.deadLetters)
        tally.record(
            KafkaConsumerMessage(topic: StreamRecords.output, partition: 0, offset: 0, key: nil, value: Array("{\"id\": \"run1/0\"}".utf8)),
            receivedAt: .zero, classCount: 4)
        #expect(tally.undecodableCount == 1)
        #expect(tally.labelledCount == 0)
    }

    @Test func aLabelIDOutsideTheModelsClassesIsUndecodable() throws {
        let stream = StreamRecords.stream(trueLabels: [0])
        var tally = OutputTally(stream: stream, outputTopic: StreamRecords.output, deadLetterTopic: StreamRecords.deadLetters)
        tally.record(try StreamRecords.labelRecord(id: "run1/0", labelID: 3), receivedAt: .zero, classCount: 3)
        #expect(tally.undecodableCount == 1)
    }
}
