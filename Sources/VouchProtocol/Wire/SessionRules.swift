/// Which side opened a session.
public enum SessionDirection: String, Sendable, Hashable {
    case inbound, outbound
}

/// At most one session per pair of nodes (Protocol/transport.md §Sessions). When a second
/// authenticated session with the same peer appears, both nodes must keep the same one without
/// talking about it, so the rule depends only on facts both sides share:
///
/// - If the two sessions were dialed by different nodes (a simultaneous dial), keep the one
///   dialed by the node whose key is smaller (bytewise); close the other.
/// - If both were dialed by the peer, keep the newer: the peer dials again only when it thinks
///   the old session died, and it is the one that knows.
/// - If both were dialed by us, keep the existing one (we do not dial a peer we have a session with).
public enum SessionTieBreak {
    public enum Decision: Sendable, Equatable {
        case keepExisting
        case keepNew
    }

    public static func decide(local: NodeID, peer: NodeID, existing: SessionDirection, new: SessionDirection) -> Decision {
        switch (existing, new) {
        case (.inbound, .inbound): return .keepNew
        case (.outbound, .outbound): return .keepExisting
        case (_, .outbound), (_, .inbound):
            // Different dialers: keep the session dialed by the smaller key.
            let newDialer = new == .outbound ? local : peer
            let smaller = min(local, peer)
            return newDialer == smaller ? .keepNew : .keepExisting
        }
    }
}

/// When the outbox tries a message again (Protocol/transport.md §Outbox): exponential backoff
/// from 1 s doubling to at most 5 minutes, with ±20 % jitter so that many nodes coming back at
/// once do not retry in lockstep.
public enum RetrySchedule {
    public static let initialDelay: Duration = .seconds(1)
    public static let maximumDelay: Duration = .seconds(300)

    /// The delay before attempt `attempt + 1`, given `attempt` failed attempts so far (≥ 1).
    /// `jitter` is a number in [0, 1) (random in the node, fixed in tests).
    public static func delay(afterAttempts attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt, 1) - 1, 20)
        let base = min(Double(initialDelay.milliseconds) * Double(1 << exponent), Double(maximumDelay.milliseconds))
        let factor = 0.8 + 0.4 * min(max(jitter, 0), 0.999_999)
        return .milliseconds(Int64(base * factor))
    }
}
