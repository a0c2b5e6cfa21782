/// How often one node may ask this node about its connections (Protocol/disclosure.md §Rate
/// limits): a token bucket per asker and kind of query. Repeated questions cannot map a node's
/// graph faster than this; the limit is the same for every asker and does not depend on what
/// there is to answer, so being limited (`error busy`) says nothing about the answer.
public struct QueryRateLimit: Sendable {
    public struct Rate: Sendable, Equatable {
        public var burst: Double
        public var perHour: Double

        public init(burst: Double, perHour: Double) {
            self.burst = burst
            self.perHour = perHour
        }
    }

    public struct Limits: Sendable, Equatable {
        /// Pages of `connections-query`: 40 at once (10,000 connections), then 120 an hour.
        public var connections = Rate(burst: 40, perHour: 120)
        /// `introducer-query`: 20 at once, then 60 an hour.
        public var introducer = Rate(burst: 20, perHour: 60)
        /// Pages of `mutual-query`: 32 at once (two intersections of the largest size), then 32 an hour.
        public var mutual = Rate(burst: 32, perHour: 32)
        public var maximumTracked = 10_000

        public static let `default` = Limits()

        public init() {}
    }

    public let limits: Limits
    private var buckets: [Key: InvitationRateLimit.Bucket] = [:]

    private struct Key: Hashable {
        let asker: NodeID
        let type: WireMessageType
    }

    public init(limits: Limits = .default) { self.limits = limits }

    /// Whether `asker` may have `query` answered at `now` (any monotonic clock); if so, it is counted.
    public mutating func admit(_ query: Query, from asker: NodeID, now: Duration) -> Bool {
        let rate = switch query {
        case .connections: limits.connections
        case .introducer: limits.introducer
        case .mutual: limits.mutual
        }
        let key = Key(asker: asker, type: query.type)
        guard var bucket = InvitationRateLimit.bucket(key, in: &buckets, now: now, burst: rate.burst, perHour: rate.perHour,
                                                       maximum: limits.maximumTracked), bucket.tokens >= 1 else { return false }
        bucket.tokens -= 1
        buckets[key] = bucket
        return true
    }
}
