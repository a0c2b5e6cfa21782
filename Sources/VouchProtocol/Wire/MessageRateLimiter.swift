/// A token bucket counting one peer's messages (Protocol/transport.md §8): `burst` messages at
/// once, then `rate` per second. It does not refuse anything: when the bucket is empty the session
/// stops reading from the peer until a token is back, so TCP flow control slows the sender and no
/// message is lost or answered with an error.
public struct MessageRateLimiter: Sendable, Equatable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updated: Duration

    /// `now` is any monotonic time, the same clock for every later call.
    public init(ratePerSecond rate: Int, burst: Int, now: Duration) {
        precondition(rate > 0 && burst >= 1, "a rate limiter needs a positive rate and a burst of at least 1")
        self.rate = Double(rate)
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.updated = now
    }

    /// Counts one message. Returns how long reading must pause so the bucket holds a whole token
    /// again, or nil when reading may go on. Messages already read while paused are counted too
    /// (the bucket goes into debt), so a peer cannot gain by packing many messages into one read.
    public mutating func consume(now: Duration) -> Duration? {
        refill(now: now)
        tokens -= 1
        return wait()
    }

    /// How long until a whole token is back (nil: one is there now).
    public mutating func wait(now: Duration) -> Duration? {
        refill(now: now)
        return wait()
    }

    private func wait() -> Duration? {
        guard tokens < 1 else { return nil }
        // At most an hour: a debt that deep cannot build up (reads stop while in debt), but a
        // conversion here must not be able to trap.
        let seconds = min((1 - tokens) / rate, 3600)
        return .nanoseconds(Int64((seconds * 1e9).rounded(.up)))
    }

    private mutating func refill(now: Duration) {
        guard now > updated else { return }
        let elapsed = Double((now - updated).components.seconds) + Double((now - updated).components.attoseconds) / 1e18
        tokens = min(burst, tokens + elapsed * rate)
        updated = now
    }
}
