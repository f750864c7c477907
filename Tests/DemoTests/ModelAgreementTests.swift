import Classification
import Demo
import Testing

struct ModelAgreementTests {
    @Test func countsAgreementOverTheRowsTheWorkerLabelled() {
        let agreement = ModelAgreement(
            workerPredictions: [0, 1, nil, 3, 2], modelPredictions: [0, 1, 2, 2, 2], trueLabels: [0, 1, 2, 3, 1],
            classCount: 4)
        #expect(agreement.compared == 4)
        #expect(agreement.agreeing == 3)
        #expect(agreement.evaluation == Evaluation(labels: [0, 1, 2, 3, 1], predictions: [0, 1, 2, 2, 2], classCount: 4))
    }
}
