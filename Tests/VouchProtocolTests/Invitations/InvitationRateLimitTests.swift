import Testing
import VouchCrypto
import VouchProtocol

@Suite("Invitation rate limit")
struct InvitationRateLimitTests {
    static func node() throws -> NodeID { NodeID(publicKey: try Ed25519PrivateKey().publicKey) }
    static let limits = InvitationRateLimit.Limits(senderBurst: 2, senderPerHour: 1, sourceBurst: 3, sourcePerHour: 2, maximumTracked: 4)

    @Test("a sender gets its burst, then one per refill interval")
    func perSender() throws {
        var limit = InvitationRateLimit(limits: Self.limits)
        var ok: Bool
        let a = try Self.node()
        ok = limit.admit(sender: a, source: nil, now: .zero)
        #expect(ok)
        ok = limit.admit(sender: a, source: nil, now: .zero)
        #expect(ok)
        ok = limit.admit(sender: a, source: nil, now: .seconds(3599))
        #expect(!ok)
        ok = limit.admit(sender: a, source: nil, now: .seconds(3600))
        #expect(ok)
        ok = limit.admit(sender: a, source: nil, now: .seconds(3600))
        #expect(!ok)
    }

    @Test("an address is limited across senders; a refused invitation counts against neither bucket")
    func perSource() throws {
        var limit = InvitationRateLimit(limits: Self.limits)
        var ok: Bool
        let senders = try (0..<4).map { _ in try Self.node() }
        ok = limit.admit(sender: senders[0], source: "192.0.2.1", now: .zero)
        #expect(ok)
        ok = limit.admit(sender: senders[1], source: "192.0.2.1", now: .zero)
        #expect(ok)
        ok = limit.admit(sender: senders[2], source: "192.0.2.1", now: .zero)
        #expect(ok)
        ok = limit.admit(sender: senders[3], source: "192.0.2.1", now: .zero)
        #expect(!ok)
        ok = limit.admit(sender: senders[3], source: "192.0.2.2", now: .zero)
        #expect(ok, "its sender bucket was not charged")
        ok = limit.admit(sender: senders[0], source: "192.0.2.1", now: .seconds(1800))
        #expect(ok, "2 an hour: one back after 30 minutes")
    }

    @Test("the tables are bounded: full buckets are forgotten to make room; a new key waits when none is")
    func bounded() throws {
        var limit = InvitationRateLimit(limits: Self.limits)
        var ok: Bool
        let senders = try (0..<6).map { _ in try Self.node() }
        for sender in senders.prefix(4) {
            ok = limit.admit(sender: sender, source: nil, now: .zero)
            #expect(ok)
        }
        ok = limit.admit(sender: senders[4], source: nil, now: .zero)
        #expect(!ok, "4 tracked, none full again")
        #expect(limit.tracked.senders == 4)
        ok = limit.admit(sender: senders[4], source: nil, now: .seconds(3600))
        #expect(ok, "after an hour all are full again and forgotten")
        #expect(limit.tracked.senders == 1)
    }
}
