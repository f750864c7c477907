import Testing
import Worker

@Suite struct ShadowAgreementTests {
    @Test func countsPairsOfInputsBothModelsLabelled() {
        var agreement = ShadowAgreement()
        #expect(agreement.ratio == nil)
        let batch = agreement.add(
            served: ["World", "Sports", nil, "Business", "Sports"],
            shadow: ["World", "Business", "World", nil, "Sports"])
        #expect(agreement.compared == 3, "a dead letter or a shadow failure is not compared")
        #expect(agreement.agreed == 2)
        #expect(agreement.ratio == 2.0 / 3.0)
        #expect(batch == [
            .init(served: "World", shadow: "World"): 1, .init(served: "Sports", shadow: "Business"): 1,
            .init(served: "Sports", shadow: "Sports"): 1,
        ])
        let second = agreement.add(served: ["Sports", "Sci/Tech"], shadow: ["Business", "Sci/Tech"])
        #expect(second == [.init(served: "Sports", shadow: "Business"): 1, .init(served: "Sci/Tech", shadow: "Sci/Tech"): 1])
        #expect(agreement.counts[.init(served: "Sports", shadow: "Business")] == 2, "counts accumulate across batches")
        #expect(agreement.compared == 5 && agreement.agreed == 3)
        #expect(agreement.counts.values.reduce(0, +) == agreement.compared)
    }
}
