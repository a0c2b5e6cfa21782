import Testing
@testable import VouchProtocol

@Suite("InboundMessagePolicy")
struct InboundMessagePolicyTests {
    static let local = WireKeys.node(1)
    static let other = WireKeys.node(2)
    static let now: UInt64 = 1_700_000_000_000
    static let limits = TransportLimits.default
    static let lifetime = UInt64(limits.maximumMessageLifetime.milliseconds)
    static let skew = UInt64(limits.maximumClockSkew.milliseconds)

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        var type = "ping"
        var to = InboundMessagePolicyTests.local
        var sentAt = InboundMessagePolicyTests.now
        var expiresAt = InboundMessagePolicyTests.now + 60_000
        let expected: Expected

        enum Expected: Sendable { case accept(WireMessageType), reject(WireErrorCode) }

        var testDescription: String { name }

        var message: WireMessage {
            WireMessage(id: wireMessageID(1), rawType: type, replyTo: nil, sentAt: sentAt, expiresAt: expiresAt,
                        recipient: to.rawRepresentation, body: .map([:]))
        }
    }

    static let cases: [Case] = [
        Case(name: "a fresh ping", expected: .accept(.ping)),
        Case(name: "wrong recipient", to: other, expected: .reject(.wrongRecipient)),
        Case(name: "wrong recipient wins over expiry", to: other, sentAt: now - 120_000, expiresAt: now - 60_000,
             expected: .reject(.wrongRecipient)),
        Case(name: "expired a minute ago", sentAt: now - 120_000, expiresAt: now - 60_000, expected: .reject(.expired)),
        Case(name: "expires exactly now", sentAt: now - 60_000, expiresAt: now, expected: .reject(.expired)),
        Case(name: "expires a millisecond from now", sentAt: now - 60_000, expiresAt: now + 1, expected: .accept(.ping)),
        Case(name: "lifetime one ms over the limit", sentAt: now, expiresAt: now + lifetime + 1, expected: .reject(.expired)),
        Case(name: "lifetime exactly the limit", sentAt: now, expiresAt: now + lifetime, expected: .accept(.ping)),
        Case(name: "expires_at equal to sent_at", sentAt: now, expiresAt: now, expected: .reject(.expired)),
        Case(name: "expires_at before sent_at", sentAt: now + 10, expiresAt: now + 5, expected: .reject(.expired)),
        Case(name: "expires_at 0", sentAt: 0, expiresAt: 0, expected: .reject(.expired)),
        Case(name: "sent_at beyond the allowed skew", sentAt: now + skew + 1, expiresAt: now + skew + 60_000,
             expected: .reject(.clockSkew)),
        Case(name: "sent_at at the edge of the skew", sentAt: now + skew, expiresAt: now + skew + 60_000, expected: .accept(.ping)),
        Case(name: "sent_at in the past", sentAt: now - 3_600_000, expiresAt: now + 3_600_000, expected: .accept(.ping)),
        Case(name: "unknown type", type: "gossip", expected: .reject(.unknownType)),
        Case(name: "type names are case-sensitive", type: "PING", expected: .reject(.unknownType)),
        Case(name: "an expired unknown type is refused as expired", type: "gossip", sentAt: now - 120_000, expiresAt: now - 60_000,
             expected: .reject(.expired)),
    ] + WireMessageType.allCases.map { Case(name: "type \($0.rawValue)", type: $0.rawValue, expected: .accept($0)) }

    @Test(arguments: cases)
    func verdict(of testCase: Case) {
        let verdict = InboundMessagePolicy.check(testCase.message, localNode: Self.local, nowMilliseconds: Self.now, limits: Self.limits)
        switch (testCase.expected, verdict) {
        case (.accept(let type), .accept(let got)):
            #expect(got == type)
        case (.reject(let code), .reject(let got, let reason)):
            #expect(got == code, "\(reason)")
            #expect(!reason.isEmpty)
        default:
            Issue.record("expected \(testCase.expected), got \(verdict)")
        }
    }

    @Test func stricterLimitsApply() {
        var limits = TransportLimits()
        limits.maximumMessageLifetime = .seconds(10)
        limits.maximumClockSkew = .seconds(1)
        let long = WireMessage(id: wireMessageID(1), type: .ping, sentAt: Self.now, expiresAt: Self.now + 10_001, recipient: Self.local)
        guard case .reject(.expired, _) = InboundMessagePolicy.check(long, localNode: Self.local, nowMilliseconds: Self.now, limits: limits) else {
            Issue.record("a lifetime of 10.001 s with 10 s allowed must be refused as expired")
            return
        }
        let ahead = WireMessage(id: wireMessageID(1), type: .ping, sentAt: Self.now + 1_001, expiresAt: Self.now + 5_000, recipient: Self.local)
        guard case .reject(.clockSkew, _) = InboundMessagePolicy.check(ahead, localNode: Self.local, nowMilliseconds: Self.now, limits: limits) else {
            Issue.record("1.001 s ahead with 1 s allowed skew must be refused")
            return
        }
    }

    @Test("cards, the invitation and introduction flows' messages and visibility statements are the deliveries; the disclosure queries are queries")
    func deliveries() {
        #expect(WireMessageType.allCases.filter(\.isDelivery) ==
            [.card, .invitation, .invitationQuestion, .invitationReply, .invitationWithdrawal, .acceptance, .connectionRemoval,
             .introductionRequest, .introductionForwarded, .introductionNotForwarded, .introductionOffer, .introductionQuestion,
             .introductionReply, .introductionWithdrawal, .introductionOutcome, .visibility])
        #expect(WireMessageType.allCases.filter { $0.kind == .query } == [.connectionsQuery, .introducerQuery, .mutualQuery])
    }
}
