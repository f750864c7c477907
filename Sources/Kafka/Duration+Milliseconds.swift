extension Duration {
    /// The duration in whole milliseconds, rounded down, clamped to `0...Int32.max` (librdkafka
    /// takes timeouts and intervals as `int` milliseconds).
    var clampedMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        if milliseconds.overflow { return Int32.max }
        let total = milliseconds.partialValue + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}
