/// How long a dialer waits, after its invitation, before joining its session at one relay, and
/// how long the other party has taken to answer there (Protocol/relay.md §4): learned from the
/// dials through that relay. Pure.
///
/// The relay tells the dialer first and the invited node right after, and both then take the
/// same steps to join, so on a fast network the two joins reach the relay microseconds apart,
/// which is when strelaysrv refuses one of them (`RelayDialRetry`). A collision that refuses
/// the dialer costs it a new ConnectRequest; one that refuses the invited node costs it a peer
/// wait. Waiting a little makes joins that close together rarer: the wait starts at 250 µs,
/// doubles after each collision (up to 64 ms), and shrinks by an eighth of what it has above
/// 250 µs after each session that started, so it follows the relay and the network instead of
/// being fixed. (On loopback with a 250 µs start about one dial in a hundred collided, all of
/// them refusing the invited node; with 1 ms none did, but the wait cost more than they did.)
public struct RelayJoinDelay: Sendable, Equatable {
    public static let minimum: Duration = .microseconds(250)
    public static let maximum: Duration = .milliseconds(64)

    public private(set) var current: Duration = Self.minimum
    /// The longest the invited node took to answer (from the dialer's join to the first byte of
    /// the other party), decaying by an eighth at each answer: a node far from the relay needs a
    /// longer peer wait than the 50 ms floor (`RelayDialRetry`), and should not pay a retry for
    /// each of its dials once one has shown it.
    public private(set) var slowestAnswer: Duration = .zero

    public init() {}

    /// The two joins of a dial collided (either side refused).
    public mutating func collided() {
        current = min(Self.maximum, current * 2)
    }

    /// A session through the relay started.
    public mutating func started() {
        current = max(Self.minimum, current - (current - Self.minimum) / 8)
    }

    /// The other party answered `after` the dialer's join succeeded.
    public mutating func answered(after: Duration) {
        slowestAnswer = max(after, slowestAnswer - slowestAnswer / 8)
    }
}
