import Testing
@testable import VouchProtocol

@Suite("ConnectionAdmission")
struct ConnectionAdmissionTests {
    typealias Ticket = ConnectionAdmission.Ticket

    static func limits(perAddress: Int = 32, inbound: Int = 4096, handshakes: Int = 128) -> TransportLimits {
        var limits = TransportLimits()
        limits.maximumSessionsPerAddress = perAddress
        limits.maximumInboundSessions = inbound
        limits.maximumHandshakesInFlight = handshakes
        return limits
    }

    /// Opens a connection that must be admitted without evicting anyone.
    static func admit(_ admission: inout ConnectionAdmission, from address: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Ticket {
        let verdict = admission.connectionOpened(from: address)
        guard case .admit(let ticket, nil) = verdict else {
            Issue.record("expected a plain admission, got \(verdict)", sourceLocation: sourceLocation)
            throw Refused()
        }
        return ticket
    }

    /// Opens a connection that must be admitted by evicting someone; returns (new, evicted).
    static func admitEvicting(_ admission: inout ConnectionAdmission, from address: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> (Ticket, Ticket) {
        let verdict = admission.connectionOpened(from: address)
        guard case .admit(let ticket, let evicted?) = verdict else {
            Issue.record("expected an admission with an eviction, got \(verdict)", sourceLocation: sourceLocation)
            throw Refused()
        }
        return (ticket, evicted)
    }

    struct Refused: Error {}

    static func isRefused(_ verdict: ConnectionAdmission.Verdict) -> Bool {
        if case .refuse(let reason) = verdict { return !reason.isEmpty }
        return false
    }

    // MARK: per address

    @Test func perAddressLimit() throws {
        var admission = ConnectionAdmission(limits: Self.limits(perAddress: 3))
        let first = try Self.admit(&admission, from: "10.0.0.1")
        for _ in 0..<2 { _ = try Self.admit(&admission, from: "10.0.0.1") }
        #expect(Self.isRefused(admission.connectionOpened(from: "10.0.0.1")))
        #expect(admission.count(from: "10.0.0.1") == 3, "a refused connection is not counted")
        _ = try Self.admit(&admission, from: "10.0.0.2")
        admission.closed(first)
        _ = try Self.admit(&admission, from: "10.0.0.1")
    }

    /// An address at its own limit cannot push anyone out, even with the tables full.
    @Test func anAddressAtItsLimitEvictsNobody() throws {
        var admission = ConnectionAdmission(limits: Self.limits(perAddress: 2, handshakes: 2))
        let a = try Self.admit(&admission, from: "attacker"), b = try Self.admit(&admission, from: "attacker")
        #expect(Self.isRefused(admission.connectionOpened(from: "attacker")))
        #expect(admission.phase(of: a) == .silent && admission.phase(of: b) == .silent)
        #expect(admission.handshaking == 2)
    }

    // MARK: the handshake table

    @Test func aFullHandshakeTableEvictsTheOldestSilentConnection() throws {
        var admission = ConnectionAdmission(limits: Self.limits(handshakes: 3))
        let tickets = try (0..<3).map { _ in try Self.admit(&admission, from: "silent") }
        let (newcomer, evicted) = try Self.admitEvicting(&admission, from: "peer")
        #expect(evicted == tickets[0])
        #expect(admission.phase(of: evicted) == nil, "an evicted connection no longer counts")
        #expect(admission.phase(of: newcomer) == .silent)
        #expect(admission.handshaking == 3 && admission.inbound == 3)
        #expect(admission.count(from: "silent") == 2)
        // The next one takes the next oldest.
        #expect(try Self.admitEvicting(&admission, from: "peer").1 == tickets[1])
    }

    @Test func aSilentConnectionGoesBeforeAnOlderOneThatSpoke() throws {
        var admission = ConnectionAdmission(limits: Self.limits(handshakes: 3))
        let speaking = try Self.admit(&admission, from: "a")
        let silent1 = try Self.admit(&admission, from: "b"), silent2 = try Self.admit(&admission, from: "c")
        admission.firstBytesReceived(speaking)
        #expect(admission.phase(of: speaking) == .speaking)
        #expect(try Self.admitEvicting(&admission, from: "d").1 == silent1)
        #expect(try Self.admitEvicting(&admission, from: "e").1 == silent2)
    }

    @Test func withEveryoneSpeakingTheOldestGoes() throws {
        var admission = ConnectionAdmission(limits: Self.limits(handshakes: 3))
        let tickets = try (0..<3).map { _ in try Self.admit(&admission, from: "a") }
        // They speak in reverse order: age is when they connected, not when they spoke.
        for ticket in tickets.reversed() { admission.firstBytesReceived(ticket) }
        let (newcomer, first) = try Self.admitEvicting(&admission, from: "b")
        #expect(first == tickets[0])
        admission.firstBytesReceived(newcomer)
        #expect(try Self.admitEvicting(&admission, from: "b").1 == tickets[1], "the newcomer is younger than the rest")
    }

    @Test func aFinishedHandshakeLeavesTheTableAndIsNeverEvicted() throws {
        var admission = ConnectionAdmission(limits: Self.limits(handshakes: 2))
        let done = try Self.admit(&admission, from: "a")
        admission.firstBytesReceived(done)
        admission.handshakeEnded(done)
        #expect(admission.phase(of: done) == .handshakeEnded)
        #expect(admission.handshaking == 0 && admission.inbound == 1)
        let b = try Self.admit(&admission, from: "b"), c = try Self.admit(&admission, from: "c")
        let (_, evicted) = try Self.admitEvicting(&admission, from: "d")
        #expect(evicted == b)
        #expect(admission.phase(of: done) == .handshakeEnded && admission.phase(of: c) == .silent)
        // Late reports change nothing.
        admission.firstBytesReceived(done)
        #expect(admission.phase(of: done) == .handshakeEnded)
    }

    // MARK: the inbound table

    @Test func aFullInboundTableOfSessionsRefuses() throws {
        var admission = ConnectionAdmission(limits: Self.limits(inbound: 2))
        for address in ["a", "b"] { admission.handshakeEnded(try Self.admit(&admission, from: address)) }
        #expect(Self.isRefused(admission.connectionOpened(from: "c")), "established sessions are never evicted")
        #expect(admission.inbound == 2)
    }

    @Test func aFullInboundTableEvictsAHalfOpenConnection() throws {
        var admission = ConnectionAdmission(limits: Self.limits(inbound: 2))
        let session = try Self.admit(&admission, from: "a")
        admission.handshakeEnded(session)
        let halfOpen = try Self.admit(&admission, from: "b")
        #expect(try Self.admitEvicting(&admission, from: "c").1 == halfOpen)
        #expect(admission.phase(of: session) == .handshakeEnded)
    }

    // MARK: closing

    @Test func closingAnEvictedOrClosedTicketChangesNothing() throws {
        var admission = ConnectionAdmission(limits: Self.limits(handshakes: 1))
        let first = try Self.admit(&admission, from: "a")
        let (second, evicted) = try Self.admitEvicting(&admission, from: "a")
        #expect(evicted == first)
        admission.closed(first)
        admission.closed(first)
        #expect(admission.count(from: "a") == 1 && admission.inbound == 1 && admission.handshaking == 1)
        #expect(admission.phase(of: second) == .silent)
        admission.closed(second)
        admission.closed(second)
        #expect(admission.inbound == 0 && admission.handshaking == 0 && admission.perAddress.isEmpty)
    }

    @Test func countersReturnToZeroAfterCloses() throws {
        var admission = ConnectionAdmission(limits: Self.limits(perAddress: 4, inbound: 10, handshakes: 6))
        var open: Set<Ticket> = []
        for i in 0..<40 {
            switch admission.connectionOpened(from: "192.0.2.\(i % 3)") {
            case .admit(let ticket, let evicted):
                open.insert(ticket)
                if let evicted { open.remove(evicted) }
                if i % 2 == 0 { admission.firstBytesReceived(ticket) }
                if i % 3 == 0 { admission.handshakeEnded(ticket) }
            case .refuse:
                break
            }
        }
        #expect(admission.inbound == open.count && admission.inbound > 0)
        #expect(open.allSatisfy { admission.phase(of: $0) != nil })
        for ticket in open { admission.closed(ticket) }
        #expect(admission.inbound == 0 && admission.handshaking == 0)
        #expect(admission.perAddress.isEmpty, "no entry is left behind for an address with no connection")
    }

    // MARK: the attack of issue 10

    /// Four addresses hold every handshake slot with silent connections and reopen each one as
    /// soon as it is closed. A new peer still gets in, and once it has sent its ClientHello no
    /// number of further silent connections pushes it out.
    @Test func silentSocketsFromFourAddressesDoNotLockOutANewPeer() throws {
        var admission = ConnectionAdmission(limits: .default)
        let attackers = (2...5).map { "127.0.0.\($0)" }
        for address in attackers {
            for _ in 0..<32 { _ = try Self.admit(&admission, from: address) }
        }
        #expect(admission.handshaking == 128)

        let (peer, firstEvicted) = try Self.admitEvicting(&admission, from: "127.0.0.9")
        admission.firstBytesReceived(peer)
        var evicted = [firstEvicted]
        for round in 0..<1000 {
            // The attacker reopens the connection it lost, from the same address.
            let address = attackers[round % attackers.count]
            guard case .admit(_, let victim?) = admission.connectionOpened(from: address) else {
                // Its address is at its limit until one of its connections is evicted.
                continue
            }
            evicted.append(victim)
        }
        #expect(!evicted.contains(peer))
        #expect(admission.phase(of: peer) == .speaking)
        admission.handshakeEnded(peer)
        #expect(admission.phase(of: peer) == .handshakeEnded)
    }
}
