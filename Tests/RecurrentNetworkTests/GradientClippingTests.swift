import RecurrentNetwork
import TestSupport
import Testing

/// `clip_grad_norm_` semantics on the fixture's gradients.
@Suite(.onNumericsThreads) struct GradientClippingTests {
    /// Gradients of case a (float32) and their exact global norm from the float64 expectations.
    func fixtureGradients() throws -> (gradients: ModelParameters, norm: Double) {
        let fixture = try GRUFixture("uni2_masked_mean")
        var tensors: [String: Tensor] = [:]
        var sum = 0.0
        for (name, _) in fixture.configuration.architecture.parameterShapes {
            let (shape, values) = try fixture.values("grad.\(name)")
            tensors[name] = Tensor(shape: shape, values: values.map(Float.init))
            sum += values.reduce(0) { $0 + $1 * $1 }
        }
        return (try ModelParameters(architecture: fixture.configuration.architecture, tensors: tensors), sum.squareRoot())
    }

    func norm(_ parameters: ModelParameters) -> Double {
        parameters.tensors.reduce(0.0) { total, tensor in
            tensor.values.reduce(total) { $0 + Double($1) * Double($1) }
        }.squareRoot()
    }

    @Test func scalesEveryGradientToTheMaximumNorm() throws {
        let (original, norm) = try fixtureGradients()
        var clipped = original
        let maxNorm = Float(norm / 3)
        let total = GradientClipping.clipByGlobalNorm(&clipped, maxNorm: maxNorm)
        #expect(abs(Double(total) - norm) <= 1e-6 * norm)
        let coefficient = Double(maxNorm) / (Double(total) + 1e-6)
        for (a, b) in zip(original.tensors, clipped.tensors) {
            for (value, scaled) in zip(a.values, b.values) {
                #expect(abs(Double(scaled) - Double(value) * coefficient) <= 1e-7 * abs(Double(value)) + 1e-12)
            }
        }
        #expect(abs(self.norm(clipped) - Double(maxNorm)) <= 1e-5 * Double(maxNorm))
    }

    @Test func leavesGradientsBelowTheMaximumUnchanged() throws {
        let (original, norm) = try fixtureGradients()
        var clipped = original
        let total = GradientClipping.clipByGlobalNorm(&clipped, maxNorm: Float(norm * 2))
        #expect(abs(Double(total) - norm) <= 1e-6 * norm)
        #expect(clipped == original)
    }
}
