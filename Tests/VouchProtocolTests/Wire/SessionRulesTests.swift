import Testing
@testable import VouchProtocol

@Suite("SessionTieBreak")
struct SessionTieBreakTests {
    typealias Decision = SessionTieBreak.Decision

    /// (existing, new, local key is the smaller, expected)
    @Test("every direction combination, with either key smaller", arguments: [
        (SessionDirection.inbound, SessionDirection.inbound, true, Decision.keepNew),
        (.inbound, .inbound, false, .keepNew),
        (.outbound, .outbound, true, .keepExisting),
        (.outbound, .outbound, false, .keepExisting),
        // Different dialers: keep the one dialed by the smaller key.
        (.outbound, .inbound, true, .keepExisting),   // existing dialed by us (smaller)
        (.outbound, .inbound, false, .keepNew),       // new dialed by the peer (smaller)
        (.inbound, .outbound, true, .keepNew),        // new dialed by us (smaller)
        (.inbound, .outbound, false, .keepExisting),  // existing dialed by the peer (smaller)
    ] as [(SessionDirection, SessionDirection, Bool, Decision)])
    func decision(existing: SessionDirection, new: SessionDirection, localIsSmaller: Bool, expected: Decision) {
        let (small, large) = WireKeys.orderedPair
        let (local, peer) = localIsSmaller ? (small, large) : (large, small)
        #expect(SessionTieBreak.decide(local: local, peer: peer, existing: existing, new: new) == expected)
    }

    /// A connection between two nodes, known by who dialed it.
    struct Connection: Equatable, CustomStringConvertible {
        let dialer: NodeID
        let label: String
        var description: String { label }
        func direction(seenBy node: NodeID) -> SessionDirection { dialer == node ? .outbound : .inbound }
    }

    /// The connection `node` keeps when `first` is established before `second`.
    static func kept(by node: NodeID, peer: NodeID, first: Connection, second: Connection) -> Connection {
        switch SessionTieBreak.decide(local: node, peer: peer, existing: first.direction(seenBy: node), new: second.direction(seenBy: node)) {
        case .keepExisting: first
        case .keepNew: second
        }
    }

    @Test("both nodes keep the same connection of a simultaneous dial, whatever order each sees", arguments: [1, 2, 3, 4, 5, 6] as [UInt8])
    func bothSidesAgree(seed: UInt8) {
        let a = WireKeys.node(seed), b = WireKeys.node(seed &+ 100)
        let dialedByA = Connection(dialer: a, label: "A→B"), dialedByB = Connection(dialer: b, label: "B→A")
        let expected = a < b ? dialedByA : dialedByB
        for (aFirst, aSecond) in [(dialedByA, dialedByB), (dialedByB, dialedByA)] {
            for (bFirst, bSecond) in [(dialedByA, dialedByB), (dialedByB, dialedByA)] {
                let keptByA = Self.kept(by: a, peer: b, first: aFirst, second: aSecond)
                let keptByB = Self.kept(by: b, peer: a, first: bFirst, second: bSecond)
                #expect(keptByA == keptByB, "A saw \(aFirst) then \(aSecond), B saw \(bFirst) then \(bSecond)")
                #expect(keptByA == expected, "the connection dialed by the smaller key stays")
            }
        }
    }

    @Test func aRedialByThePeerReplacesItsOldSessionOnBothSides() {
        // The peer (B) dials twice: A sees two inbound sessions and keeps the newer; B sees two
        // outbound and keeps the existing only if it did not mean to replace it, which it never does
        // (B dials only without a live session), so the older one is already gone on B's side.
        let (a, b) = (WireKeys.node(1), WireKeys.node(2))
        #expect(SessionTieBreak.decide(local: a, peer: b, existing: .inbound, new: .inbound) == .keepNew)
        #expect(SessionTieBreak.decide(local: b, peer: a, existing: .outbound, new: .outbound) == .keepExisting)
    }
}

@Suite("RetrySchedule")
struct RetryScheduleTests {
    /// With jitter 0.5 the factor is exactly 1.
    @Test("doubling from 1 s, capped at 300 s", arguments: [
        (1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 64), (8, 128), (9, 256), (10, 300), (11, 300), (30, 300),
        (1_000, 300), (Int.max, 300),
    ] as [(Int, Int64)])
    func base(attempts: Int, seconds: Int64) {
        #expect(RetrySchedule.delay(afterAttempts: attempts, jitter: 0.5) == .seconds(seconds))
    }

    @Test("no attempt counts as one", arguments: [0, -1, -1_000])
    func nonPositiveAttempts(attempts: Int) {
        #expect(RetrySchedule.delay(afterAttempts: attempts, jitter: 0.5) == .seconds(1))
    }

    @Test("jitter stays within ±20 %", arguments: 1...12)
    func jitterBounds(attempts: Int) {
        let base = RetrySchedule.delay(afterAttempts: attempts, jitter: 0.5).milliseconds
        var jitters: [Double] = [0, 0.25, 0.5, 0.75, 0.999_999, 1, -3, 7]
        jitters += (0..<50).map { _ in Double.random(in: 0..<1) }
        for jitter in jitters {
            let delay = RetrySchedule.delay(afterAttempts: attempts, jitter: jitter).milliseconds
            #expect(delay >= base * 8 / 10 && delay <= base * 12 / 10, "attempt \(attempts), jitter \(jitter): \(delay) ms")
        }
        #expect(RetrySchedule.delay(afterAttempts: attempts, jitter: 0).milliseconds == base * 8 / 10)
        #expect(RetrySchedule.delay(afterAttempts: attempts, jitter: 1).milliseconds >= base * 12 / 10 - 1)
    }

    @Test func theDelayGrowsWithAttempts() {
        let delays = (1...12).map { RetrySchedule.delay(afterAttempts: $0, jitter: 0.5) }
        #expect(delays == delays.sorted())
        #expect(RetrySchedule.initialDelay == .seconds(1) && RetrySchedule.maximumDelay == .seconds(300))
    }
}
