/// How fast invitations are taken from one sender and from one source address
/// (Protocol/invitations.md §6, rate limits): two token buckets per invitation, both must hold a
/// token. They apply before any other check and to every sender alike, so being limited says
/// nothing about being blocked or declined; a limited invitation is answered `busy` and its
/// sender's outbox tries again later.
///
/// Bounded: at most `maximumTracked` keys per kind. When that is reached, buckets that are full
/// again (they carry no information) are forgotten; if none is, a new key is limited until one is.
public struct InvitationRateLimit: Sendable {
    public struct Limits: Sendable, Equatable {
        public var senderBurst: Double
        public var senderPerHour: Double
        public var sourceBurst: Double
        public var sourcePerHour: Double
        public var maximumTracked: Int

        /// 5 invitations at once from one node, then 5 an hour; 30 at once from one address, then 60 an hour.
        public static let `default` = Limits(senderBurst: 5, senderPerHour: 5, sourceBurst: 30, sourcePerHour: 60, maximumTracked: 10_000)

        public init(senderBurst: Double, senderPerHour: Double, sourceBurst: Double, sourcePerHour: Double, maximumTracked: Int) {
            self.senderBurst = senderBurst
            self.senderPerHour = senderPerHour
            self.sourceBurst = sourceBurst
            self.sourcePerHour = sourcePerHour
            self.maximumTracked = maximumTracked
        }
    }

    struct Bucket: Sendable {
        var tokens: Double
        var updated: Duration

        mutating func refill(now: Duration, burst: Double, perHour: Double) {
            guard now > updated else { return }
            let elapsed = Double((now - updated).components.seconds) + Double((now - updated).components.attoseconds) / 1e18
            tokens = min(burst, tokens + elapsed * perHour / 3600)
            updated = now
        }
    }

    public let limits: Limits
    private var senders: [NodeID: Bucket] = [:]
    private var sources: [String: Bucket] = [:]

    public init(limits: Limits = .default) { self.limits = limits }

    /// Whether an invitation from `sender` arriving from `source` (its IP address; nil if unknown)
    /// at `now` (any monotonic clock) is taken; if so, it is counted against both.
    public mutating func admit(sender: NodeID, source: String?, now: Duration) -> Bool {
        guard var senderBucket = Self.bucket(sender, in: &senders, now: now, burst: limits.senderBurst,
                                             perHour: limits.senderPerHour, maximum: limits.maximumTracked) else { return false }
        var sourceBucket: Bucket?
        if let source {
            guard let bucket = Self.bucket(source, in: &sources, now: now, burst: limits.sourceBurst,
                                           perHour: limits.sourcePerHour, maximum: limits.maximumTracked) else { return false }
            sourceBucket = bucket
        }
        guard senderBucket.tokens >= 1, (sourceBucket?.tokens ?? 1) >= 1 else { return false }
        senderBucket.tokens -= 1
        senders[sender] = senderBucket
        if let source, var bucket = sourceBucket {
            bucket.tokens -= 1
            sources[source] = bucket
        }
        return true
    }

    /// How many senders and sources are tracked now.
    public var tracked: (senders: Int, sources: Int) { (senders.count, sources.count) }

    /// The key's bucket refilled to `now`, a new full one for a new key, or nil when no room is left.
    static func bucket<Key: Hashable>(_ key: Key, in buckets: inout [Key: Bucket], now: Duration, burst: Double,
                                              perHour: Double, maximum: Int) -> Bucket? {
        if var bucket = buckets[key] {
            bucket.refill(now: now, burst: burst, perHour: perHour)
            return bucket
        }
        if buckets.count >= maximum {
            buckets = buckets.filter { _, value in
                var refilled = value
                refilled.refill(now: now, burst: burst, perHour: perHour)
                return refilled.tokens < burst
            }
            if buckets.count >= maximum { return nil }
        }
        return Bucket(tokens: burst, updated: now)
    }
}
