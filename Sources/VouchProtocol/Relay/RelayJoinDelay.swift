/// How long a dialer waits, after its invitation, before joining its session at one relay
/// (Protocol/relay.md §4): learned from the dials through that relay. Pure.
///
/// The relay tells the dialer first and the invited node right after, and both then take the
/// same steps to join, so on a fast network the two joins reach the relay microseconds apart,
/// which is when strelaysrv refuses one of them (`RelayDialRetry`). A collision that refuses
/// the dialer costs it a new ConnectRequest; one that refuses the invited node costs it a peer
/// wait. Waiting a little lets the invited node join first: the wait starts at 1 ms, doubles
/// after each collision (up to 64 ms), and shrinks by an eighth of what it has above 1 ms after
/// each session that started, so it follows the relay and the network instead of being fixed.
public struct RelayJoinDelay: Sendable, Equatable {
    public static let minimum: Duration = .microseconds(250)
    public static let maximum: Duration = .milliseconds(64)

    public private(set) var current: Duration = Self.minimum

    public init() {}

    /// The two joins of a dial collided (either side refused).
    public mutating func collided() {
        current = min(Self.maximum, current * 2)
    }

    /// A session through the relay started.
    public mutating func started() {
        current = max(Self.minimum, current - (current - Self.minimum) / 8)
    }
}
