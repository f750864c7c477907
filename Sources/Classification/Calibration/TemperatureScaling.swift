import Foundation

/// Temperature scaling (Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural
/// Networks", ICML 2017, §4.2): one scalar T > 0 divides every logit before the softmax,
/// `p = softmax(z / T)`, and T is chosen to minimise the mean negative log-likelihood (NLL) of the
/// labels on held-out data (the validation split, never the test split). The predicted class
/// (the argmax) does not change, so accuracy does not either; only the confidence does.
///
/// The fit is exact to rounding, not a learned approximation. Written with the inverse
/// temperature β = 1/T, the NLL
/// `f(β) = mean_i [logsumexp(β z_i) − β z_{i,y_i}]` is convex in β (a log-sum-exp of affine
/// functions of β, minus an affine function), with
/// `f′(β) = mean_i [E_{p_i}[z_i] − z_{i,y_i}]` and `f″(β) = mean_i Var_{p_i}[z_i] ≥ 0`, where
/// `p_i = softmax(β z_i)`. So `f′` is non-decreasing and the minimum is its root, found by
/// Newton's method safeguarded with bisection on a bracket where `f′` changes sign (`rtsafe`,
/// Press, Teukolsky, Vetterling and Flannery, "Numerical Recipes", 3rd ed., §9.4). Every step
/// stays inside the bracket and the bracket at least halves when Newton's step would leave it,
/// so it converges for any data; near the root it converges quadratically (typically 5–8
/// evaluations of `f′`).
///
/// T is searched in ``temperatureRange``. When the NLL still decreases at an end of it (data
/// the model fits perfectly wants T → 0; data no better than uniform wants T → ∞), the fit
/// returns that end and sets ``isAtBound``.
public struct TemperatureScaling: Sendable, Equatable {
    /// The temperatures the fit considers: 0.01 … 100.
    public static let temperatureRange: ClosedRange<Double> = 0.01...100

    /// The fitted temperature T.
    public var temperature: Double
    /// The mean NLL (nats) at T = 1, before calibration.
    public var negativeLogLikelihoodBefore: Double
    /// The mean NLL (nats) at the fitted T; never above ``negativeLogLikelihoodBefore`` (up to
    /// rounding), since T = 1 is inside the range searched.
    public var negativeLogLikelihood: Double
    /// Whether T is an end of ``temperatureRange`` (the NLL's minimum lies beyond it).
    public var isAtBound: Bool
    /// Evaluations of `f′` the fit used.
    public var iterations: Int

    /// Fits T on `data` (Newton on β = 1/T, safeguarded by bisection; see the type's description).
    /// Stops when the bracket or the step is below 1e-12 relative to β, or `f′` is 0.
    /// - Parameter data: logits and labels of held-out items.
    /// - Returns: the fit; deterministic for the same data.
    public static func fit(_ data: LabelledLogits) -> TemperatureScaling {
        var low = 1 / temperatureRange.upperBound
        var high = 1 / temperatureRange.lowerBound
        var iterations = 0
        func derivatives(_ beta: Double) -> (first: Double, second: Double) {
            iterations += 1
            return Self.derivatives(data, inverseTemperature: beta)
        }
        let atLow = derivatives(low).first
        let atHigh = derivatives(high).first
        let beta: Double
        var isAtBound = false
        if atLow >= 0 {
            beta = low  // f is non-decreasing on the whole range: the largest T
            isAtBound = true
        } else if atHigh <= 0 {
            beta = high  // f is non-increasing on the whole range: the smallest T
            isAtBound = true
        } else {
            // rtsafe: start at T = 1; the step before the last decides between Newton and bisection.
            var x = 1.0
            var (g, h) = derivatives(x)
            var previousStep = high - low
            var step = previousStep
            for _ in 0..<200 {
                if g == 0 { break }
                if g < 0 { low = x } else { high = x }
                let newton = x - g / h
                if !(h > 0) || !(newton > low && newton < high) || abs(2 * g) > abs(previousStep * h) {
                    previousStep = step
                    step = (high - low) / 2
                    x = low + step
                } else {
                    previousStep = step
                    step = g / h
                    x = newton
                }
                if abs(step) <= 1e-12 * x || high - low <= 1e-12 * x { break }
                (g, h) = derivatives(x)
            }
            beta = x
        }
        let temperature = 1 / beta
        return TemperatureScaling(
            temperature: temperature, negativeLogLikelihoodBefore: data.negativeLogLikelihood(temperature: 1),
            negativeLogLikelihood: data.negativeLogLikelihood(temperature: temperature), isAtBound: isAtBound,
            iterations: iterations)
    }

    /// `f′(β)` and `f″(β)` of the mean NLL as a function of the inverse temperature β.
    static func derivatives(_ data: LabelledLogits, inverseTemperature beta: Double) -> (first: Double, second: Double) {
        var first = 0.0
        var second = 0.0
        let classes = data.classCount
        var weights = [Double](repeating: 0, count: classes)
        for item in 0..<data.count {
            let row = data.row(item)
            let top = Double(row.max()!)
            var sum = 0.0
            for (c, z) in row.enumerated() {
                weights[c] = Foundation.exp(beta * (Double(z) - top))
                sum += weights[c]
            }
            var mean = 0.0
            var meanSquare = 0.0
            for (c, z) in row.enumerated() {
                let p = weights[c] / sum
                let centred = Double(z) - top
                mean += p * centred
                meanSquare += p * centred * centred
            }
            first += mean - (Double(row[row.startIndex + data.labels[item]]) - top)
            second += max(0, meanSquare - mean * mean)
        }
        return (first / Double(data.count), second / Double(data.count))
    }
}
