import Kafka
import Testing
import Worker

@Suite struct TransactionTestHookTests {
    @Test func abortEveryNThrowsAnAbortableErrorOnEveryNthTransaction() async {
        let hook = TransactionTestHook.abort(every: 3)
        var aborted: [Int] = []
        for transaction in 0..<9 {
            do {
                try await hook.body(transaction)
            } catch {
                #expect(error.transactionRequiresAbort && !error.isFatal)
                aborted.append(transaction)
            }
        }
        #expect(aborted == [2, 5, 8])
    }

    @Test func theEnvironmentNamesTheHook() throws {
        #expect(try TransactionTestHook.from(environment: [:]) == nil)
        #expect(try TransactionTestHook.from(environment: [TransactionTestHook.environmentVariable: ""]) == nil)
        #expect(try TransactionTestHook.from(environment: [TransactionTestHook.environmentVariable: "abort-every:2"]) != nil)
        #expect(try TransactionTestHook.from(environment: [TransactionTestHook.environmentVariable: "hold-ms:10"]) != nil)
    }

    @Test(arguments: ["abort-every", "abort-every:0", "hold-ms:-5", "hold-ms:x", "sleep:5", "abort-every:2:3"])
    func aValueOfAnotherFormIsRefusedWithTheVariableNamed(_ value: String) {
        #expect(throws: TransactionTestHookError(value: value)) {
            try TransactionTestHook.from(environment: [TransactionTestHook.environmentVariable: value])
        }
        #expect(TransactionTestHookError(value: value).description.contains("NEWSCLF_TEST_TRANSACTION_HOOK=\(value)"))
    }
}
