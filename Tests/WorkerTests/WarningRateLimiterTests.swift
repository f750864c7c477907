import Testing
import Worker

@Suite struct WarningRateLimiterTests {
    @Test func aKeyIsLetThroughAtMostOncePerInterval() {
        var limiter = WarningRateLimiter<String>(interval: .seconds(30))
        let start = ContinuousClock.now
        let outcome1 = limiter.shouldLog("a", at: start)
        #expect(outcome1)
        let outcome2 = limiter.shouldLog("a", at: start + .seconds(1))
        #expect(!outcome2)
        let outcome3 = limiter.shouldLog("a", at: start + .milliseconds(29_999))
        #expect(!outcome3)
        let outcome4 = limiter.shouldLog("a", at: start + .seconds(30))
        #expect(outcome4)
        let outcome5 = limiter.shouldLog("a", at: start + .seconds(59))
        #expect(!outcome5)
        let outcome6 = limiter.shouldLog("a", at: start + .seconds(60))
        #expect(outcome6)
    }

    @Test func keysAreLimitedSeparately() {
        var limiter = WarningRateLimiter<String>(interval: .seconds(30))
        let start = ContinuousClock.now
        let outcome7 = limiter.shouldLog("a", at: start)
        #expect(outcome7)
        let outcome8 = limiter.shouldLog("b", at: start + .seconds(1))
        #expect(outcome8)
        let outcome9 = limiter.shouldLog("a", at: start + .seconds(2))
        #expect(!outcome9)
        let outcome10 = limiter.shouldLog("b", at: start + .seconds(2))
        #expect(!outcome10)
    }

    @Test func aResetKeyIsLetThroughAtOnce() {
        var limiter = WarningRateLimiter<String>(interval: .seconds(30))
        let start = ContinuousClock.now
        let outcome11 = limiter.shouldLog("a", at: start)
        #expect(outcome11)
        limiter.reset("a")
        let outcome12 = limiter.shouldLog("a", at: start + .seconds(1))
        #expect(outcome12)
        limiter.resetAll()
        let outcome13 = limiter.shouldLog("a", at: start + .seconds(2))
        #expect(outcome13)
    }

    @Test func manyChecksWithinOneIntervalGiveOneWarning() {
        // A check every 500 ms for 5 minutes: one warning per 30 s.
        var limiter = WarningRateLimiter<String>(interval: ReadinessMonitor.warningInterval)
        let start = ContinuousClock.now
        let logged = (0..<600).filter { limiter.shouldLog("k", at: start + .milliseconds(500 * $0)) }.count
        #expect(logged == 10)
    }
}
