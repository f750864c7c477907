import Classification
import Foundation
import Testing

/// McNemar's exact one-sided p-values against SciPy
/// (`Fixtures/mcnemar-reference.csv`, written by `scripts/fixtures/mcnemar_reference.py`:
/// `scipy.stats.binomtest(b, b + c, 0.5, alternative='greater').pvalue`).
@Suite struct McNemarExactTestTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mcnemar-reference.csv")

    /// `(b, c, p)` rows of the fixture.
    static func reference() throws -> [(b: Int, c: Int, p: Double)] {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        return try text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("b,") }.map { line in
            let fields = line.split(separator: ",")
            guard fields.count == 3, let b = Int(fields[0]), let c = Int(fields[1]), let p = Double(fields[2]) else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: fixture.path, "line": String(line)])
            }
            return (b, c, p)
        }
    }

    @Test func pValuesMatchSciPyWithinOneBillionth() throws {
        let rows = try Self.reference()
        #expect(rows.count >= 30)
        // The fixture covers no discordant pair, small counts, and large ones (600/540).
        #expect(rows.contains { $0.b == 0 && $0.c == 0 })
        #expect(rows.contains { $0.b == 600 && $0.c == 540 })
        for row in rows {
            let test = McNemarExactTest(b: row.b, c: row.c)
            if row.p == 0 {
                // SciPy's tail underflows (b = 9000 of 10,000: about 1e-1600); so must ours.
                #expect(test.pValue < 1e-300, "b = \(row.b), c = \(row.c): \(test.pValue)")
            } else {
                let relative = abs(test.pValue - row.p) / row.p
                #expect(relative <= 1e-9, "b = \(row.b), c = \(row.c): \(test.pValue) vs SciPy \(row.p) (relative \(relative))")
            }
        }
    }

    @Test func noDiscordantPairIsNoEvidence() {
        let test = McNemarExactTest(b: 0, c: 0)
        #expect(test.pValue == 1)
        #expect(test.discordant == 0)
        #expect(!test.rejects(at: 0.05))
    }

    /// The tail and its complement sum to 1: P(X ≥ b) + P(X ≥ c + 1) = 1 for n = b + c (by the
    /// symmetry of Binomial(n, 1/2), P(X ≥ c + 1) = P(X ≤ b − 1)). To 1e-10: `lgamma` near
    /// 10^4 rounds to about 1e-11 of the p-value (measured: 1.1e-11 at n = 10,000).
    @Test(arguments: [(7, 3), (0, 12), (60, 40), (2500, 2600), (4999, 5001)])
    func tailAndComplementSumToOne(b: Int, c: Int) {
        let upper = McNemarExactTest(b: b, c: c).pValue
        let lower = McNemarExactTest(b: c + 1, c: b - 1 < 0 ? 0 : b - 1).pValue
        if b == 0 {
            #expect(upper == 1)
        } else {
            #expect(abs(upper + lower - 1) < 1e-10, "\(upper) + \(lower)")
        }
    }

    @Test func moreDiscordantAgainstTheCandidateIsMoreSignificant() {
        let p = (0...20).map { McNemarExactTest(b: $0, c: 20 - $0).pValue }
        for (a, b) in zip(p, p.dropFirst()) { #expect(b < a) }
        #expect(McNemarExactTest(b: 10, c: 3).rejects(at: 0.05))  // p = 0.0461
        #expect(!McNemarExactTest(b: 12, c: 5).rejects(at: 0.05))  // p = 0.0717
    }
}
