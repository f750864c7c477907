import Foundation

/// The evaluations of a run: train and validation loss and accuracy over epochs, written as
/// `curves.csv` and drawn as `curves.svg` (two panels, loss and accuracy, readable in a browser).
public struct LearningCurves: Sendable, Equatable, Codable {
    /// One evaluation.
    public struct Point: Sendable, Equatable, Codable {
        /// Epochs done, fractional (1.5 = half-way through the second epoch).
        public var epoch: Double
        /// Optimizer steps done.
        public var step: Int
        /// Mean cross-entropy (nats) of the training batches since the previous evaluation,
        /// with dropout on, as the notebook reported it.
        public var trainLoss: Double
        /// Accuracy on those batches (dropout on), a fraction.
        public var trainAccuracy: Double
        /// Mean cross-entropy (nats) on the validation portion, dropout off.
        public var validationLoss: Double
        /// Accuracy on the validation portion, a fraction.
        public var validationAccuracy: Double
        /// Seconds since the run started (interruptions excluded).
        public var elapsedSeconds: Double

        public init(
            epoch: Double, step: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double,
            validationAccuracy: Double, elapsedSeconds: Double
        ) {
            self.epoch = epoch
            self.step = step
            self.trainLoss = trainLoss
            self.trainAccuracy = trainAccuracy
            self.validationLoss = validationLoss
            self.validationAccuracy = validationAccuracy
            self.elapsedSeconds = elapsedSeconds
        }

        enum CodingKeys: String, CodingKey {
            case epoch, step
            case trainLoss = "train_loss", trainAccuracy = "train_accuracy"
            case validationLoss = "validation_loss", validationAccuracy = "validation_accuracy"
            case elapsedSeconds = "elapsed_seconds"
        }
    }

    /// The evaluations in order.
    public var points: [Point]

    public init(points: [Point] = []) {
        self.points = points
    }

    /// The CSV header of ``csv``.
    public static let csvHeader = "epoch,step,train_loss,train_accuracy,validation_loss,validation_accuracy,elapsed_seconds"

    /// One header line, then one line per point (LF line ends, final newline).
    public var csv: String {
        var lines = [Self.csvHeader]
        for p in points {
            lines.append(String(
                format: "%.4f,%d,%.6f,%.6f,%.6f,%.6f,%.1f", p.epoch, p.step, p.trainLoss, p.trainAccuracy,
                p.validationLoss, p.validationAccuracy, p.elapsedSeconds))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An SVG document (640 × 560 user units): loss over epochs on top, accuracy below; train in
    /// blue, validation in orange; axes labelled with their ranges.
    public var svg: String {
        let width = 640.0, panelHeight = 240.0, left = 60.0, right = 20.0, top = 40.0, gap = 50.0
        let maxEpoch = max(points.map(\.epoch).max() ?? 1, 1e-9)
        var body: [String] = []
        func panel(
            title: String, originY: Double, train: [Double], validation: [Double]
        ) {
            let values = train + validation
            var low = values.min() ?? 0, high = values.max() ?? 1
            if high - low < 1e-9 { low -= 0.5; high += 0.5 }
            let padding = (high - low) * 0.05
            low -= padding
            high += padding
            let plotWidth = width - left - right
            func x(_ epoch: Double) -> Double { left + epoch / maxEpoch * plotWidth }
            func y(_ value: Double) -> Double { originY + (high - value) / (high - low) * panelHeight }
            body.append(String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#888"/>"##, left, originY, plotWidth, panelHeight))
            body.append(String(format: ##"<text x="%.1f" y="%.1f" font-size="14" font-weight="bold">%@</text>"##, left, originY - 8, title))
            for k in 0...4 {
                let value = low + (high - low) * Double(k) / 4
                body.append(String(format: ##"<text x="%.1f" y="%.1f" font-size="11" text-anchor="end">%.3f</text>"##, left - 4, y(value) + 4, value))
                body.append(String(format: ##"<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>"##, left, y(value), left + plotWidth, y(value)))
            }
            let epochs = Int(maxEpoch.rounded(.up))
            for e in 0...max(epochs, 1) where Double(e) <= maxEpoch + 1e-9 {
                body.append(String(format: ##"<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%d</text>"##, x(Double(e)), originY + panelHeight + 14, e))
            }
            for (series, color) in [(train, "#1f77b4"), (validation, "#ff7f0e")] {
                let coordinates = zip(points, series).map { String(format: "%.1f,%.1f", x($0.epoch), y($1)) }
                body.append(##"<polyline fill="none" stroke="\##(color)" stroke-width="2" points="\##(coordinates.joined(separator: " "))"/>"##)
                for c in coordinates {
                    let xy = c.split(separator: ",")
                    body.append(##"<circle cx="\##(xy[0])" cy="\##(xy[1])" r="3" fill="\##(color)"/>"##)
                }
            }
        }
        panel(title: "Loss (cross-entropy)", originY: top, train: points.map(\.trainLoss), validation: points.map(\.validationLoss))
        panel(
            title: "Accuracy", originY: top + panelHeight + gap, train: points.map(\.trainAccuracy),
            validation: points.map(\.validationAccuracy))
        let height = top + 2 * panelHeight + gap + 40
        let legendY = height - 12
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            \(body.joined(separator: "\n"))
            <text x="\(Int(width / 2))" y="\(Int(legendY))" font-size="12" text-anchor="middle">epoch — <tspan fill="#1f77b4">■ train</tspan>  <tspan fill="#ff7f0e">■ validation</tspan></text>
            </svg>

            """
    }

    /// Writes `curves.csv` and `curves.svg` into `directory` (each replaced atomically).
    /// - Throws: ``TrainingError`` `.writeFailed` naming the file.
    public func write(to directory: URL) throws(TrainingError) {
        for (name, text) in [("curves.csv", csv), ("curves.svg", svg)] {
            let url = directory.appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw TrainingError(.writeFailed(path: url.path, problem: error.localizedDescription))
            }
        }
    }
}
