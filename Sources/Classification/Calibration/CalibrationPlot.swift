import Foundation

/// The two calibration figures as small standalone SVG documents (readable in a browser and on
/// GitHub): the reliability diagram and the accuracy–coverage curve.
public enum CalibrationPlot {
    /// The plot area of both figures, in SVG user units.
    static let width = 560.0, height = 420.0, left = 64.0, right = 20.0, top = 48.0, bottom = 64.0

    /// A reliability diagram (Guo et al. 2017, fig. 1): per confidence bin a bar as high as the
    /// bin's accuracy, placed over the bin's range on the confidence axis, with its item count
    /// above it; the gap to the bin's mean confidence shaded red; the diagonal (perfect
    /// calibration) dashed. Empty bins have no bar. The title line gives ECE, NLL and accuracy.
    /// - Parameters:
    ///   - metrics: the bins and figures.
    ///   - title: the figure's heading (e.g. the model and data).
    public static func reliabilityDiagram(_ metrics: CalibrationMetrics, title: String) -> String {
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ v: Double) -> Double { left + v * plotWidth }
        func y(_ v: Double) -> Double { top + (1 - v) * plotHeight }
        var body = frame(xLabel: "confidence (top probability)", yLabel: "accuracy", yLow: 0, title: title)
        body.append(String(
            format: ##"<text x="%.1f" y="%.1f" font-size="12">ECE %.4f (%d bins) · NLL %.4f · accuracy %.4f · %d items</text>"##,
            left, top - 10, metrics.expectedCalibrationError, metrics.bins.count, metrics.negativeLogLikelihood,
            metrics.accuracy, metrics.count))
        for bin in metrics.bins where bin.count > 0 {
            let x0 = x(bin.lowerBound) + 1, w = x(bin.upperBound) - x(bin.lowerBound) - 2
            body.append(String(
                format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1f77b4"/>"##, x0, y(bin.accuracy), w,
                y(0) - y(bin.accuracy)))
            let gapTop = max(bin.accuracy, bin.meanConfidence), gapBottom = min(bin.accuracy, bin.meanConfidence)
            body.append(String(
                format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#d62728" fill-opacity="0.35" stroke="#d62728" stroke-width="0.8"/>"##,
                x0, y(gapTop), w, max(0.5, y(gapBottom) - y(gapTop))))
            body.append(String(
                format: ##"<text x="%.1f" y="%.1f" font-size="9" text-anchor="middle">%d</text>"##, x0 + w / 2,
                y(gapTop) - 3, bin.count))
        }
        body.append(String(
            format: ##"<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444" stroke-dasharray="5,4"/>"##, x(0), y(0), x(1), y(1)))
        body.append(legend([("#1f77b4", "accuracy of the bin"), ("#d62728", "gap to its mean confidence")], note: "numbers: items in the bin; dashed: perfect calibration"))
        return document(body)
    }

    /// The accuracy–coverage curve: for every threshold, the accuracy of the items answered
    /// (confidence ≥ threshold) against the share answered, with the points at 80, 90, 95 and
    /// 100 % coverage marked and labelled. At most 400 points are drawn (evenly spaced in
    /// coverage), the marked ones always.
    /// - Parameters:
    ///   - curve: the curve.
    ///   - title: the figure's heading.
    public static func coverageCurve(_ curve: CoverageCurve, title: String) -> String {
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let lowest = curve.points.map(\.accuracy).min() ?? 0
        let yLow = max(0, (lowest * 20).rounded(.down) / 20 - 0.05)
        func x(_ v: Double) -> Double { left + v * plotWidth }
        func y(_ v: Double) -> Double { top + (1 - (v - yLow) / (1 - yLow)) * plotHeight }
        var body = frame(xLabel: "coverage (share of items answered, most confident first)", yLabel: "accuracy", yLow: yLow, title: title)
        let stride = max(1, curve.points.count / 400)
        var drawn = curve.points.enumerated().filter { $0.offset % stride == 0 || $0.offset == curve.points.count - 1 }.map(\.element)
        if drawn.first?.coverage ?? 0 > 0 { drawn.insert(CoverageCurve.Point(threshold: 1, answered: 0, coverage: 0, accuracy: drawn.first!.accuracy), at: 0) }
        let coordinates = drawn.map { String(format: "%.1f,%.1f", x($0.coverage), y($0.accuracy)) }
        body.append(##"<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="\##(coordinates.joined(separator: " "))"/>"##)
        var line: [String] = []
        for coverage in [0.8, 0.9, 0.95, 1.0] {
            guard let accuracy = curve.accuracy(atCoverage: coverage) else { continue }
            body.append(String(format: ##"<circle cx="%.1f" cy="%.1f" r="4" fill="#ff7f0e"/>"##, x(coverage), y(accuracy)))
            body.append(String(
                format: ##"<text x="%.1f" y="%.1f" font-size="10" text-anchor="end">%.1f %%: %.4f</text>"##, x(coverage) - 6,
                y(accuracy) + 14, coverage * 100, accuracy))
            line.append(String(format: "%.0f %% → %.4f", coverage * 100, accuracy))
        }
        body.append(##"<text x="\##(left)" y="\##(top - 10)" font-size="12">accuracy at coverage: \##(line.joined(separator: " · "))</text>"##)
        body.append(legend([("#1f77b4", "accuracy of the answered items"), ("#ff7f0e", "80 / 90 / 95 / 100 % coverage")], note: "\(curve.count) items"))
        return document(body)
    }

    /// Axes from 0 to 1 (x) and `yLow` to 1 (y) with grid lines, tick labels and the title.
    static func frame(xLabel: String, yLabel: String, yLow: Double, title: String) -> [String] {
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        var body = [
            String(format: ##"<text x="%.1f" y="20" font-size="14" font-weight="bold">%@</text>"##, left, escaped(title)),
            String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#888"/>"##, left, top, plotWidth, plotHeight),
        ]
        for k in 0...5 {
            let fraction = Double(k) / 5
            let xv = left + fraction * plotWidth, yv = top + (1 - fraction) * plotHeight
            body.append(String(format: ##"<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>"##, xv, top, xv, top + plotHeight))
            body.append(String(format: ##"<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>"##, left, yv, left + plotWidth, yv))
            body.append(String(format: ##"<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%.1f</text>"##, xv, top + plotHeight + 15, fraction))
            body.append(String(
                format: ##"<text x="%.1f" y="%.1f" font-size="11" text-anchor="end">%.2f</text>"##, left - 5, yv + 4,
                yLow + fraction * (1 - yLow)))
        }
        body.append(String(format: ##"<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%@</text>"##, left + plotWidth / 2, top + plotHeight + 32, escaped(xLabel)))
        body.append(String(
            format: ##"<text x="16" y="%.1f" font-size="12" text-anchor="middle" transform="rotate(-90 16 %.1f)">%@</text>"##,
            top + plotHeight / 2, top + plotHeight / 2, escaped(yLabel)))
        return body
    }

    /// The legend line under the plot.
    static func legend(_ entries: [(color: String, text: String)], note: String) -> String {
        let items = entries.map { ##"<tspan fill="\##($0.color)">■</tspan> \##(escaped($0.text))"## }.joined(separator: "   ")
        return ##"<text x="\##(left)" y="\##(height - 10)" font-size="11">\##(items)   \##(escaped(note))</text>"##
    }

    static func document(_ body: [String]) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// Text with `&`, `<` and `>` escaped for SVG.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
