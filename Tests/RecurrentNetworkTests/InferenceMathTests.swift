import Foundation
@testable import RecurrentNetwork
import TestSupport
import Testing

/// The inference kernels' vectorizable `exp`, sigmoid and `tanh` against the C library in
/// float64 (the reference), on a dense grid over the range the gates see and at the extremes.
@Suite(.onNumericsThreads) struct InferenceMathTests {
    /// −30 … 30 in steps of 1/1024 (61,441 points), plus tiny, large and boundary values.
    static let inputs: [Float] = (-30_720...30_720).map { Float($0) / 1024 }
        + [1e-30, -1e-30, 1e-7, -3e-5, 0.299_999, 0.3, 0.300_001, -0.3, 40, -40, 87.9, -85.9, 1000, -1000, 0, -0.0]

    @Test func expIsWithinOneMillionthRelative() {
        var worst: (x: Float, error: Double) = (0, 0)
        for x in Self.inputs where x >= -86 && x <= 88 {
            let reference = Foundation.exp(Double(x))
            let error = abs(Double(InferenceMath.exp(x)) - reference) / reference
            if error > worst.error { worst = (x, error) }
        }
        #expect(worst.error < 1e-6, "exp(\(worst.x)): relative error \(worst.error)")
    }

    @Test func sigmoidIsWithinOneMillionthRelative() {
        var worst: (x: Float, error: Double) = (0, 0)
        for x in Self.inputs where x >= -86 {
            let reference = 1 / (1 + Foundation.exp(-Double(x)))
            let error = abs(Double(InferenceMath.sigmoid(x)) - reference) / reference
            if error > worst.error { worst = (x, error) }
        }
        #expect(worst.error < 1e-6, "sigmoid(\(worst.x)): relative error \(worst.error)")
    }

    @Test func tanhIsWithinOneMillionthRelative() {
        var worst: (x: Float, error: Double) = (0, 0)
        for x in Self.inputs where x != 0 {
            let reference = Foundation.tanh(Double(x))
            let error = abs(Double(InferenceMath.tanh(x)) - reference) / abs(reference)
            if error > worst.error { worst = (x, error) }
        }
        #expect(worst.error < 1e-6, "tanh(\(worst.x)): relative error \(worst.error)")
    }

    @Test func tanhKeepsTheSignOfZero() {
        #expect(InferenceMath.tanh(0).bitPattern == Float(0).bitPattern)
        #expect(InferenceMath.tanh(-0.0).bitPattern == Float(-0.0).bitPattern)
    }

    @Test func saturatedInputsStayFinite() {
        for x: Float in [-1e30, -1000, -100, 100, 1000, 1e30, .infinity, -.infinity] {
            #expect(InferenceMath.exp(x).isFinite, "exp(\(x))")
            #expect((0...1).contains(InferenceMath.sigmoid(x)), "sigmoid(\(x))")
            #expect(abs(InferenceMath.tanh(x)) == 1, "tanh(\(x))")
        }
    }
}
