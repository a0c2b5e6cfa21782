/// Admission of inbound connections before and during the handshake (Protocol/transport.md
/// §Limits): a pure table the listener consults, so the rules are tested without sockets.
///
/// The rules, in order:
/// 1. An address already holding `maximumSessionsPerAddress` connections is refused.
/// 2. When the handshake table (`maximumHandshakesInFlight`) or the inbound table
///    (`maximumInboundSessions`) is full, the newcomer takes the place of the oldest connection
///    still in its handshake, preferring one that has sent nothing yet; with no such
///    connection (every inbound one is an established session) it is refused.
///
/// Why evict rather than refuse: a few addresses holding every handshake slot with silent TCP
/// sockets, reopened as each one is closed, would otherwise lock every new peer out. A
/// newcomer evicts the oldest half-open connection, so an attacker must open a whole table of
/// new connections to push out an honest handshake that started after its own, while an honest
/// handshake needs one round trip; and a silent connection goes before one that is talking.
/// The listener also closes a connection whose first bytes (the ClientHello) do not arrive
/// within `firstBytesTimeout`, far sooner than the handshake timeout.
public struct ConnectionAdmission: Sendable {
    /// One admitted connection. Tickets are handed out in increasing order, so a smaller one is older.
    public struct Ticket: Hashable, Comparable, Sendable, CustomStringConvertible {
        let serial: UInt64
        public static func < (lhs: Ticket, rhs: Ticket) -> Bool { lhs.serial < rhs.serial }
        public var description: String { "#\(serial)" }
    }

    public enum Verdict: Sendable, Equatable {
        /// Admitted as `ticket`; the caller closes `evicting`, which no longer counts against any limit.
        case admit(Ticket, evicting: Ticket?)
        case refuse(String)
    }

    /// Where an admitted connection is.
    public enum Phase: Sendable, Equatable {
        /// In its handshake; nothing received yet.
        case silent
        /// In its handshake; bytes have arrived.
        case speaking
        /// The handshake ended (either way); no longer in the handshake table.
        case handshakeEnded
    }

    private struct Entry: Sendable {
        let address: String
        var phase: Phase
    }

    public let limits: TransportLimits
    private var entries: [Ticket: Entry] = [:]
    private(set) var perAddress: [String: Int] = [:]
    /// Connections in the handshake table, oldest first, split by whether they have spoken.
    private var silent: [Ticket] = []
    private var speaking: [Ticket] = []
    private var nextSerial: UInt64 = 0

    public init(limits: TransportLimits) { self.limits = limits }

    /// Admitted connections (in handshake or established).
    public var inbound: Int { entries.count }
    /// Admitted connections still in their handshake.
    public var handshaking: Int { silent.count + speaking.count }

    public func count(from address: String) -> Int { perAddress[address, default: 0] }

    /// The phase of `ticket`, nil once it is closed or evicted.
    public func phase(of ticket: Ticket) -> Phase? { entries[ticket]?.phase }

    /// A TCP connection arrived from `address`. On `.admit` the caller reports its first bytes,
    /// the end of its handshake and its close with the ticket, and closes the evicted one.
    public mutating func connectionOpened(from address: String) -> Verdict {
        if count(from: address) >= limits.maximumSessionsPerAddress {
            return .refuse("at the limit of \(limits.maximumSessionsPerAddress) connections from \(address)")
        }
        var evicted: Ticket?
        if inbound >= limits.maximumInboundSessions || handshaking >= limits.maximumHandshakesInFlight {
            guard let victim = silent.first ?? speaking.first else {
                return .refuse("at the limit of \(limits.maximumInboundSessions) inbound sessions")
            }
            remove(victim)
            evicted = victim
        }
        let ticket = Ticket(serial: nextSerial)
        nextSerial += 1
        entries[ticket] = Entry(address: address, phase: .silent)
        silent.append(ticket)
        perAddress[address, default: 0] += 1
        return .admit(ticket, evicting: evicted)
    }

    /// The first bytes of `ticket`'s handshake arrived.
    public mutating func firstBytesReceived(_ ticket: Ticket) {
        guard entries[ticket]?.phase == .silent else { return }
        entries[ticket]?.phase = .speaking
        silent.removeAll { $0 == ticket }
        insertInOrder(ticket, into: &speaking)
    }

    /// `ticket`'s handshake ended, either way: it leaves the handshake table and cannot be evicted.
    public mutating func handshakeEnded(_ ticket: Ticket) {
        guard let phase = entries[ticket]?.phase, phase != .handshakeEnded else { return }
        entries[ticket]?.phase = .handshakeEnded
        silent.removeAll { $0 == ticket }
        speaking.removeAll { $0 == ticket }
    }

    /// `ticket` closed. Closing an evicted or already closed ticket changes nothing.
    public mutating func closed(_ ticket: Ticket) {
        remove(ticket)
    }

    private mutating func remove(_ ticket: Ticket) {
        guard let entry = entries.removeValue(forKey: ticket) else { return }
        switch entry.phase {
        case .silent: silent.removeAll { $0 == ticket }
        case .speaking: speaking.removeAll { $0 == ticket }
        case .handshakeEnded: break
        }
        let left = perAddress[entry.address, default: 1] - 1
        perAddress[entry.address] = left > 0 ? left : nil
    }

    /// Keeps `list` oldest first: a connection that speaks late is still as old as it is.
    private func insertInOrder(_ ticket: Ticket, into list: inout [Ticket]) {
        let index = list.firstIndex { $0 > ticket } ?? list.endIndex
        list.insert(ticket, at: index)
    }
}
