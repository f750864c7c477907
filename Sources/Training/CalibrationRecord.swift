import Classification
import JSON

/// The temperature a run fits for a checkpoint and what it changes, for `metrics.json`:
/// temperature scaling (``TemperatureScaling``) fitted on the run's validation split, and ECE
/// (15 equal-width bins) and NLL on the validation split and the test file, before (T = 1) and
/// after (the fitted T). The test file only reports; it never influences T.
public struct CalibrationRecord: Sendable, Equatable {
    /// The fit on the validation split.
    public var fit: TemperatureScaling
    /// Validation figures at T = 1 and at the fitted T.
    public var validationBefore: CalibrationMetrics
    public var validationAfter: CalibrationMetrics
    /// Test figures at T = 1 and at the fitted T (`nil` without a test file).
    public var testBefore: CalibrationMetrics?
    public var testAfter: CalibrationMetrics?

    /// Fits T on `validation` and measures both splits.
    public init(validation: LabelledLogits, test: LabelledLogits?) {
        fit = TemperatureScaling.fit(validation)
        validationBefore = CalibrationMetrics(validation)
        validationAfter = CalibrationMetrics(validation, temperature: fit.temperature)
        testBefore = test.map { CalibrationMetrics($0) }
        testAfter = test.map { CalibrationMetrics($0, temperature: fit.temperature) }
    }

    /// The fitted temperature.
    public var temperature: Double { fit.temperature }

    /// `metrics.json`'s `calibration` object:
    /// `{"method": "temperature scaling …", "temperature", "ece_bins": 15, "fitted_on": "validation",
    /// "validation": {"before": {"ece", "nll", "accuracy"}, "after": {…}}, "test": {…} or null}`.
    var jsonValue: JSONValue {
        func figures(_ m: CalibrationMetrics?) -> JSONValue {
            guard let m else { return .null }
            return ["ece": .number(m.expectedCalibrationError), "nll": .number(m.negativeLogLikelihood), "accuracy": .number(m.accuracy)]
        }
        func split(_ before: CalibrationMetrics?, _ after: CalibrationMetrics?) -> JSONValue {
            guard before != nil else { return .null }
            return ["before": figures(before), "after": figures(after)]
        }
        return [
            "method": "temperature scaling (Guo et al. 2017), NLL minimised on the validation split",
            "temperature": .number(fit.temperature),
            "temperature_at_bound": .bool(fit.isAtBound),
            "fitted_on": "validation",
            "ece_bins": .integer(Int64(CalibrationMetrics.standardBinCount)),
            "validation": split(validationBefore, validationAfter),
            "test": split(testBefore, testAfter),
        ]
    }
}
