/// When a dialer asks a relay for a new session after one that could not start (Protocol/relay.md
/// §4). Pure: the I/O layer reports each failed attempt and does what the answer says.
///
/// Why a dial needs it at all: strelaysrv hands a joined connection to the session with a
/// non-blocking send on a channel its session goroutine reads, so a join that arrives while that
/// goroutine is still taking the other party's is refused with code 2 *already connected*, and the
/// key was spent when the relay looked it up (a second join with it is *not found*). Neither party
/// can join that session again. The dialer sees its own refusal; it sees the invited node's only as
/// silence (its own join succeeded, the other party never arrives), hence the peer deadline. The
/// dialer's learned join delay (`RelayJoinDelay`) makes such collisions rarer; nothing short of
/// a change in the relay rules them out.
public struct RelayDialRetry: Sendable, Equatable {
    /// Attempts in all, the first included.
    public static let maximumAttempts = 8
    /// The shortest wait for the other party's first byte after the dialer's join succeeded, in
    /// the first attempt; doubled in each attempt after.
    public static let minimumPeerWait: Duration = .milliseconds(50)
    /// The wait for the other party is at least this many of the dialer's own round trips to the
    /// relay's session port (the join and its answer), in the first attempt; doubled after.
    public static let peerWaitRoundTrips = 8
    /// And at least this many times the slowest answer seen through this relay lately
    /// (`RelayJoinDelay.slowestAnswer`), in the first attempt; doubled after.
    public static let peerWaitAnswers = 2

    public enum Decision: Sendable, Equatable {
        /// Ask the relay again (a new ConnectRequest) after this long.
        case retry(after: Duration)
        case giveUp
    }

    /// The attempt being made, from 1.
    public private(set) var attempt = 1
    private let giveUpAt: Duration
    private let slowestAnswer: Duration

    /// `budget` bounds the whole dial (the transport's handshake timeout); `slowestAnswer` is what
    /// the dialer learnt of this relay (`RelayJoinDelay`).
    public init(now: Duration, budget: Duration, slowestAnswer: Duration = .zero) {
        giveUpAt = now + budget
        self.slowestAnswer = slowestAnswer
    }

    /// How long the current attempt waits for the other party once the dialer's own join
    /// succeeded, given the round trip that join took.
    public func peerWait(roundTrip: Duration, now: Duration) -> Duration {
        let scale = 1 << (attempt - 1)
        let wait = max(Self.minimumPeerWait * scale, roundTrip * (Self.peerWaitRoundTrips * scale),
                       slowestAnswer * (Self.peerWaitAnswers * scale))
        return max(.zero, min(wait, giveUpAt - now))
    }

    /// The current attempt's session did not start (refused with code 2, or the other party
    /// stayed silent): ask again after 0, 1, 2, 4 … ms, unless the attempts or the budget are spent.
    public mutating func failed(now: Duration) -> Decision {
        guard attempt < Self.maximumAttempts else { return .giveUp }
        let backoff: Duration = attempt == 1 ? .zero : .milliseconds(1 << (attempt - 2))
        guard now + backoff < giveUpAt else { return .giveUp }
        attempt += 1
        return .retry(after: backoff)
    }
}
