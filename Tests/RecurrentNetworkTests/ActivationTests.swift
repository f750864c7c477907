import Foundation
@testable import RecurrentNetwork
import TestSupport
import Testing

/// The rational tanh and the sigmoid built on it, against libm in double precision.
@Suite(.onNumericsThreads) struct ActivationTests {
    @Test func tanhAndSigmoidAreAccurate() {
        var worstTanh = 0.0
        var worstSigmoid = 0.0
        for k in stride(from: -20_000, through: 20_000, by: 8) {
            let x = SIMD8<Float>((0..<8).map { Float(k + $0) * 1e-3 })
            let t = Activation.tanh(x)
            let s = Activation.sigmoid(x)
            for lane in 0..<8 {
                let value = Double(x[lane])
                worstTanh = max(worstTanh, abs(Double(t[lane]) - Foundation.tanh(value)))
                worstSigmoid = max(worstSigmoid, abs(Double(s[lane]) - 1 / (1 + Foundation.exp(-value))))
            }
        }
        #expect(worstTanh < 5e-7)
        #expect(worstSigmoid < 5e-7)
    }

    @Test func partialLanesRoundTrip() {
        let source: [Float] = [1, 2, 3, 4, 5]
        var target = [Float](repeating: -1, count: 8)
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                Lanes.store(Lanes.load(s.baseAddress!, 5) * 2, t.baseAddress!, 5)
            }
        }
        #expect(target == [2, 4, 6, 8, 10, -1, -1, -1])
    }
}
