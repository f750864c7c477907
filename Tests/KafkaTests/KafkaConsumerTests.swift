import Kafka
import TestSupport
import Testing

@Suite struct KafkaConsumerTests {
    static func unreachableConsumer() throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: ["127.0.0.1:1"], groupID: MockBroker.freshGroupID()),
            logger: MockBroker.logger)
    }

    @Test func rejectsAnUnknownPropertyNamingIt() {
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: ["127.0.0.1:1"], groupID: "g")
        configuration.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(configuration: configuration, logger: MockBroker.logger)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("no.such.property") == true)
        #expect(error?.operation == "create consumer")
    }

    @Test func pollRejectsAZeroBatchSize() async throws {
        let consumer = try Self.unreachableConsumer()
        let error = await #expect(throws: KafkaError.self) {
            _ = try await consumer.poll(maxMessages: 0, timeout: .zero)
        }
        #expect(error?.code == .invalidArgument)
        try await consumer.close()
    }

    @Test func pollAfterCloseFailsWithDestroy() async throws {
        let consumer = try Self.unreachableConsumer()
        try await consumer.close()
        try await consumer.close()
        let error = await #expect(throws: KafkaError.self) {
            _ = try await consumer.poll(maxMessages: 1, timeout: .zero)
        }
        #expect(error?.code == .destroy)
    }

    @Test func storingAnOffsetForAnUnassignedPartitionFails() throws {
        let consumer = try Self.unreachableConsumer()
        let error = #expect(throws: KafkaError.self) {
            try consumer.storeOffsets([KafkaTopicPartitionOffset(topic: "t", partition: 0, offset: 1)])
        }
        #expect(error?.topic == "t")
        #expect(error?.partition == 0)
    }

    @Test func groupMetadataIsAvailableBeforeJoining() throws {
        let consumer = try Self.unreachableConsumer()
        _ = try consumer.groupMetadata()
        #expect(consumer.rebalanceProtocol == "NONE")
        #expect(!consumer.hasJoinedGroup)
        #expect(try consumer.assignment().isEmpty)
    }
}

extension BrokerTests {
    @Suite struct KafkaConsumerBrokerTests {
        @Test func consumesEveryProducedMessageWithKeysValuesHeadersAndOffsets() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 4)
            // Null and empty keys and values must stay distinct.
            let sent = MockBroker.numberedMessages(topic: topic, count: 58) + [
                KafkaProducerMessage(topic: topic, key: nil, value: nil),
                KafkaProducerMessage(topic: topic, key: [], value: [], headers: [KafkaHeader(name: "e", value: [])]),
            ]
            let reports = try await fixture.sendAll(sent)

            let consumer = try fixture.makeConsumer()
            try consumer.subscribe(topics: [topic])
            let (messages, events) = try await consumer.collect(60)
            try await consumer.close()

            let assigned = events.compactMap(\.assignedPartitions).flatMap { $0 }
            #expect(Set(assigned) == Set((0..<4).map { KafkaTopicPartition(topic: topic, partition: $0) }))
            #expect(messages.count == 60)
            // Every message arrives at the position its delivery report named, intact.
            let received = Dictionary(
                uniqueKeysWithValues: messages.map { ("\($0.partition)/\($0.offset)", $0) })
            for (index, report) in reports.enumerated() {
                let message = received["\(report.partition)/\(try report.result.get())"]
                #expect(message?.topic == topic)
                #expect(message?.key == sent[index].key)
                #expect(message?.value == sent[index].value)
                #expect(message?.headers == sent[index].headers)
                #expect(message?.timestamp?.kind == .createTime)
            }
            // Per partition, offsets arrive in order.
            for (_, partitionMessages) in Dictionary(grouping: messages, by: \.partition) {
                let offsets = partitionMessages.map(\.offset)
                #expect(offsets == offsets.sorted())
            }
        }

        @Test func newConsumerResumesAfterTheCommittedOffset() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 1)
            _ = try await fixture.sendAll(MockBroker.numberedMessages(topic: topic, count: 20))
            let group = MockBroker.freshGroupID()
            let partition = KafkaTopicPartition(topic: topic, partition: 0)

            let first = try fixture.makeConsumer(groupID: group) { $0.isAutoCommitEnabled = false }
            try first.subscribe(topics: [topic])
            let (firstMessages, _) = try await first.collect(12)
            #expect(firstMessages.map(\.offset) == Array(0..<12))
            #expect(try first.positions([partition]) == [partition: 12])
            try await first.commit(KafkaTopicPartitionOffset.nextOffsets(after: firstMessages))
            let committed = try await first.committedOffsets(for: [partition], timeout: .seconds(10))
            #expect(committed == [partition: 12])
            try await first.close()

            let second = try fixture.makeConsumer(groupID: group)
            try second.subscribe(topics: [topic])
            let (secondMessages, _) = try await second.collect(8)
            try await second.close()
            #expect(secondMessages.map(\.offset) == Array(12..<20))
            #expect(secondMessages.first?.valueString == "value-12")
        }

        @Test func storedOffsetsAreCommittedOnClose() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 1)
            _ = try await fixture.sendAll(MockBroker.numberedMessages(topic: topic, count: 10))
            let group = MockBroker.freshGroupID()
            let partition = KafkaTopicPartition(topic: topic, partition: 0)

            let consumer = try fixture.makeConsumer(groupID: group)
            try consumer.subscribe(topics: [topic])
            let (messages, _) = try await consumer.collect(10)
            // Only the first 7 are "processed": offsets not stored are never committed.
            try consumer.storeOffsets(KafkaTopicPartitionOffset.nextOffsets(after: messages.prefix(7)))
            try await consumer.close()

            let observer = try fixture.makeConsumer(groupID: group)
            let committed = try await observer.committedOffsets(for: [partition], timeout: .seconds(10))
            #expect(committed == [partition: 7])
            try await observer.close()
        }

        @Test func commitAsyncReportsItsOutcomeAsAnEvent() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 1)
            _ = try await fixture.sendAll(MockBroker.numberedMessages(topic: topic, count: 3))
            let consumer = try fixture.makeConsumer { $0.isAutoCommitEnabled = false }
            try consumer.subscribe(topics: [topic])
            let (messages, _) = try await consumer.collect(3)
            let offsets = KafkaTopicPartitionOffset.nextOffsets(after: messages)
            try consumer.commitAsync(offsets)
            let (_, events, found) = try await consumer.pollUntil {
                if case .offsetsCommitted = $0 { return true }
                return false
            }
            try await consumer.close()
            #expect(found)
            #expect(events.contains(.offsetsCommitted(offsets, error: nil)))
        }

        @Test func pausedPartitionDeliversNothingUntilResumed() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 1)
            let partition = KafkaTopicPartition(topic: topic, partition: 0)
            let consumer = try fixture.makeConsumer()
            try consumer.subscribe(topics: [topic])
            let (_, _, assigned) = try await consumer.pollUntil { $0.assignedPartitions != nil }
            #expect(assigned)
            #expect(try consumer.assignment() == [partition])

            try consumer.pause([partition])
            _ = try await fixture.sendAll(MockBroker.numberedMessages(topic: topic, count: 10))
            let whilePaused = try await consumer.poll(maxMessages: 100, timeout: .seconds(1))
            #expect(whilePaused.messages.isEmpty)

            try consumer.resume([partition])
            let (messages, _) = try await consumer.collect(10)
            try await consumer.close()
            #expect(messages.map(\.offset) == Array(0..<10))
        }

        @Test func watermarksCountProducedMessages() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 2)
            _ = try await fixture.sendAll(
                MockBroker.numberedMessages(topic: topic, count: 15, partition: 1))
            let consumer = try fixture.makeConsumer()
            let empty = try await consumer.watermarks(topic: topic, partition: 0, timeout: .seconds(10))
            let filled = try await consumer.watermarks(topic: topic, partition: 1, timeout: .seconds(10))
            try await consumer.close()
            #expect(empty == KafkaWatermarks(low: 0, high: 0))
            #expect(filled == KafkaWatermarks(low: 0, high: 15))
        }

        @Test func subscribingToAMissingTopicReportsUnknownTopic() async throws {
            let fixture = try MockBroker()
            // The mock creates topics on first mention; make it answer as a real cluster does.
            try fixture.cluster.setTopicError(.unknownTopicOrPartition, topic: "no-such-topic")
            let consumer = try fixture.makeConsumer()
            try consumer.subscribe(topics: ["no-such-topic"])
            let (_, events, found) = try await consumer.pollUntil {
                if case .error = $0 { return true }
                return false
            }
            try await consumer.close()
            #expect(found)
            let errors = events.compactMap { event -> KafkaError? in
                if case .error(let error) = event { return error }
                return nil
            }
            #expect(errors.first?.code == .unknownTopicOrPartition)
            #expect(errors.first?.name == "UNKNOWN_TOPIC_OR_PART")
            #expect(errors.first?.topic == "no-such-topic")
            #expect(errors.first?.isFatal == false)
        }

        @Test func seekRewindsToAnEarlierOffset() async throws {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 1)
            _ = try await fixture.sendAll(MockBroker.numberedMessages(topic: topic, count: 6))
            let consumer = try fixture.makeConsumer()
            try consumer.subscribe(topics: [topic])
            let (firstPass, _) = try await consumer.collect(6)
            #expect(firstPass.map(\.offset) == Array(0..<6))
            try await consumer.seek(
                [KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 2)],
                timeout: .seconds(5))
            let (secondPass, _) = try await consumer.collect(4)
            try await consumer.close()
            #expect(secondPass.map(\.offset) == Array(2..<6))
        }

        @Test func cooperativeRebalanceHoldsRevokedPartitionsUntilTheNextPoll() async throws {
            let (revoked, assignedToSecond) = try await joinSecondMember(strategy: .cooperativeSticky)
            // Incremental: only the moved partitions are revoked, and exactly those move.
            #expect(revoked.count == 2)
            #expect(Set(assignedToSecond) == Set(revoked))
        }

        @Test func eagerRebalanceHoldsRevokedPartitionsUntilTheNextPoll() async throws {
            let (revoked, assignedToSecond) = try await joinSecondMember(strategy: .range)
            // Eager: the whole assignment is revoked, then redistributed.
            #expect(revoked.count == 4)
            #expect(assignedToSecond.count == 2)
        }

        /// A first member owns a 4-partition topic; a second member joins. Checks the revocation
        /// contract (a revocation ends its batch; revoked partitions stay assigned until the next
        /// poll) and that the members end up sharing all partitions.
        ///
        /// - Returns: what the first member had revoked and what the second was assigned.
        private func joinSecondMember(
            strategy: KafkaConsumerConfiguration.PartitionAssignmentStrategy
        ) async throws -> (revoked: [KafkaTopicPartition], assignedToSecond: [KafkaTopicPartition]) {
            let fixture = try MockBroker()
            let topic = try fixture.makeTopic(partitions: 4)
            let group = MockBroker.freshGroupID()
            let configure: (inout KafkaConsumerConfiguration) -> Void = {
                $0.partitionAssignmentStrategy = [strategy]
            }
            let first = try fixture.makeConsumer(groupID: group, configure: configure)
            try first.subscribe(topics: [topic])
            #expect(!first.hasJoinedGroup, "not a member before the first assignment")
            let (_, _, firstAssigned) = try await first.pollUntil { $0.assignedPartitions != nil }
            #expect(firstAssigned)
            #expect(first.hasJoinedGroup)
            #expect(first.rebalanceProtocol == (strategy == .cooperativeSticky ? "COOPERATIVE" : "EAGER"))
            #expect(try first.assignment().count == 4)

            let second = try fixture.makeConsumer(groupID: group, configure: configure)
            try second.subscribe(topics: [topic])
            // Both members must keep polling through the rebalance (two rounds when cooperative).
            let pollingSecond = Task {
                try await second.pollUntil(within: .seconds(30)) {
                    $0.assignedPartitions?.isEmpty == false
                }
            }
            var revoked: [KafkaTopicPartition] = []
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: .seconds(30))
            while revoked.isEmpty, clock.now < end {
                let batch = try await first.poll(maxMessages: 10, timeout: .milliseconds(200))
                revoked = batch.revokedPartitions
                if !revoked.isEmpty {
                    #expect(batch.events.last?.revokedPartitions == revoked)
                }
            }
            #expect(!revoked.isEmpty)
            // Revoked partitions stay assigned until the application polls again.
            #expect(Set(revoked).isSubset(of: Set(try first.assignment())))
            _ = try await first.poll(maxMessages: 1, timeout: .zero)
            #expect(Set(try first.assignment()).isDisjoint(with: Set(revoked)))

            let pollingFirst = Task {
                while !Task.isCancelled {
                    _ = try await first.poll(maxMessages: 10, timeout: .milliseconds(100))
                }
            }
            let (_, secondEvents, secondAssigned) = try await pollingSecond.value
            #expect(secondAssigned)
            // For eager, wait until the first member has its new share as well.
            while try first.assignment().count + second.assignment().count < 4, clock.now < end {
                try await Task.sleep(for: .milliseconds(50))
            }
            pollingFirst.cancel()
            try await pollingFirst.value
            let firstShare = Set(try first.assignment())
            let secondShare = Set(try second.assignment())
            #expect(firstShare.isDisjoint(with: secondShare))
            #expect(firstShare.union(secondShare).count == 4)
            #expect(first.hasJoinedGroup && second.hasJoinedGroup, "members stay joined through a rebalance")
            try await second.close()
            try await first.close()
            return (revoked, secondEvents.compactMap(\.assignedPartitions).flatMap { $0 })
        }
    }
}
