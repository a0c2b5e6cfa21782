import Testing
import VouchCrypto
@testable import VouchProtocol

/// Every rule of the session layer, transition by transition, without a channel.
@Suite("Session state machine")
struct SessionStateMachineTests {
    typealias Action = SessionStateMachine.Action
    static let local = WireKeys.node(1)
    static let wallClock: UInt64 = 1_700_000_000_000
    static let t0 = Duration.seconds(1_000)

    static func limits(_ edit: (inout TransportLimits) -> Void = { _ in }) -> TransportLimits {
        var limits = TransportLimits()
        edit(&limits)
        return limits
    }

    static func machine(_ edit: (inout TransportLimits) -> Void = { _ in }) -> SessionStateMachine {
        SessionStateMachine(local: local, limits: limits(edit), now: t0)
    }

    static func frame(_ type: String, id: UInt8 = 0x10, replyTo: MessageID? = nil, to: NodeID = local,
                      body: CBORValue = .map([:]), sentAt: UInt64 = wallClock) -> [UInt8] {
        WireMessage(id: wireMessageID(id), rawType: type, replyTo: replyTo, sentAt: sentAt, expiresAt: sentAt + 60_000,
                    recipient: to.rawRepresentation, body: body).encoded
    }

    static func card(id: UInt8) -> [UInt8] {
        frame("card", id: id, body: .map(["document": .bytes([1, 2, 3])]))
    }

    // MARK: Inbound messages

    @Test func aPingIsAnsweredWithAPong() {
        var m = Self.machine()
        #expect(m.received(Self.frame("ping"), now: Self.t0, wallClock: Self.wallClock) == [.reply(to: wireMessageID(0x10), .pong)])
    }

    @Test func aPingWithABodyIsInvalid() {
        var m = Self.machine()
        let actions = m.received(Self.frame("ping", body: .map(["x": .unsigned(1)])), now: Self.t0, wallClock: Self.wallClock)
        guard case .sendError(let replyTo, let code, _, let close)? = actions.first, actions.count == 1 else {
            Issue.record("\(actions)")
            return
        }
        #expect(replyTo == wireMessageID(0x10) && code == .invalidBody && !close)
    }

    @Test("a frame that is not a message is answered with malformed and closes the session")
    func malformedCloses() {
        var m = Self.machine()
        let actions = m.received([0xFF, 0x00], now: Self.t0, wallClock: Self.wallClock)
        guard case .sendError(nil, .malformed, _, true)? = actions.first else {
            Issue.record("\(actions)")
            return
        }
    }

    @Test("checks on receipt: refused messages are answered and the session stays, except errors, which are dropped")
    func receiptChecks() {
        var m = Self.machine()
        let other = WireKeys.node(2)
        let wrong = m.received(Self.frame("ping", to: other), now: Self.t0, wallClock: Self.wallClock)
        guard case .sendError(wireMessageID(0x10)?, .wrongRecipient, _, false)? = wrong.first else {
            Issue.record("\(wrong)")
            return
        }
        let unknown = m.received(Self.frame("gossip"), now: Self.t0, wallClock: Self.wallClock)
        guard case .sendError(_, .unknownType, _, false)? = unknown.first else {
            Issue.record("\(unknown)")
            return
        }
        let staleError = m.received(Self.frame("error", body: WireErrorBody(code: .internal, message: "x").value, sentAt: Self.wallClock - 120_000),
                                    now: Self.t0, wallClock: Self.wallClock)
        guard case .notice(.droppedUnanswerable(.expired, _))? = staleError.first, staleError.count == 1 else {
            Issue.record("\(staleError)")
            return
        }
    }

    @Test func aReplyCompletesItsRequestOnce() {
        var m = Self.machine()
        let request = wireMessageID(0x20)
        #expect(m.requestStarted(request).isEmpty)
        #expect(m.pendingRequestCount == 1)
        let pong = Self.frame("pong", id: 0x21, replyTo: request)
        guard case .completeRequest(request, let reply)? = m.received(pong, now: Self.t0, wallClock: Self.wallClock).first else {
            Issue.record("the pong does not complete the request")
            return
        }
        #expect(reply.replyTo == request)
        #expect(m.pendingRequestCount == 0)
        // A second copy answers nothing now.
        #expect(m.received(pong, now: Self.t0, wallClock: Self.wallClock) == [.notice(.unsolicitedReply(.pong))])
    }

    @Test func anErrorThatAnswersNothingIsReportedNotAnswered() {
        var m = Self.machine()
        let body = WireErrorBody(code: .busy, message: "later")
        #expect(m.received(Self.frame("error", body: body.value), now: Self.t0, wallClock: Self.wallClock)
                == [.notice(.peerReportedError(body))])
    }

    @Test("an ack with a body is not answered, and the request it names fails at once")
    func invalidReplyFailsTheRequest() {
        var m = Self.machine()
        let request = wireMessageID(0x20)
        _ = m.requestStarted(request)
        let actions = m.received(Self.frame("ack", replyTo: request, body: .map(["x": .unsigned(1)])), now: Self.t0, wallClock: Self.wallClock)
        guard case .failRequest(request, .invalidReply)? = actions.first, actions.count == 1 else {
            Issue.record("\(actions)")
            return
        }
    }

    @Test func aRequestTimesOutOnceAndALateReplyIsUnsolicited() {
        var m = Self.machine()
        let request = wireMessageID(0x20)
        _ = m.requestStarted(request)
        #expect(m.requestTimedOut(request) == [.failRequest(request, .timeout)])
        #expect(m.requestTimedOut(request).isEmpty)
        #expect(m.received(Self.frame("pong", replyTo: request), now: Self.t0, wallClock: Self.wallClock) == [.notice(.unsolicitedReply(.pong))])
    }

    @Test func pendingRequestsAreBounded() {
        var m = Self.machine { $0.maximumPendingRequests = 2 }
        #expect(m.requestStarted(wireMessageID(1)).isEmpty)
        #expect(m.requestStarted(wireMessageID(2)).isEmpty)
        #expect(m.requestStarted(wireMessageID(3)) == [.failRequest(wireMessageID(3), .tooManyRequests)])
    }

    @Test func closingFailsEveryWaitingRequest() {
        var m = Self.machine()
        _ = m.requestStarted(wireMessageID(2))
        _ = m.requestStarted(wireMessageID(1))
        #expect(m.closed() == [.failRequest(wireMessageID(1), .closed), .failRequest(wireMessageID(2), .closed)])
        #expect(m.received(Self.frame("ping"), now: Self.t0, wallClock: Self.wallClock).isEmpty, "a closed session does nothing")
        #expect(m.requestStarted(wireMessageID(3)) == [.failRequest(wireMessageID(3), .closed)])
    }

    // MARK: Deliveries

    @Test("deliveries in flight are capped: reading pauses at the cap and resumes when one finishes")
    func deliveriesInFlight() {
        var m = Self.machine { $0.maximumDeliveriesInFlight = 2 }
        let first = m.received(Self.card(id: 1), now: Self.t0, wallClock: Self.wallClock)
        guard case .deliver(let message, .card)? = first.first, first.count == 1 else {
            Issue.record("\(first)")
            return
        }
        #expect(message.id == wireMessageID(1))
        let second = m.received(Self.card(id: 2), now: Self.t0, wallClock: Self.wallClock)
        #expect(second.count == 2 && second.last == .pauseReading)
        #expect(m.isReadingPaused)
        #expect(m.deliveryFinished() == [.resumeReading])
        #expect(!m.isReadingPaused)
        #expect(m.deliveryFinished().isEmpty)
        #expect(m.deliveriesInFlight == 0)
    }

    @Test func aCardWithoutADocumentIsInvalidBody() {
        var m = Self.machine()
        let actions = m.received(Self.frame("card"), now: Self.t0, wallClock: Self.wallClock)
        guard case .sendError(_, .invalidBody, _, false)? = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(m.deliveriesInFlight == 0)
    }

    // MARK: Rate and backpressure

    @Test("past the burst, reading pauses until a token is back; nothing is refused")
    func rateLimit() {
        var m = Self.machine { $0.messageRate = 10; $0.messageBurst = 3 }
        for id in 1...2 {
            #expect(m.received(Self.frame("ping", id: UInt8(id)), now: Self.t0, wallClock: Self.wallClock).count == 1)
        }
        // The third message empties the bucket: answered, and reading pauses for 100 ms (one token at 10/s).
        let third = m.received(Self.frame("ping", id: 3), now: Self.t0, wallClock: Self.wallClock)
        #expect(third == [.pauseReading, .scheduleResume(after: .milliseconds(100)), .reply(to: wireMessageID(3), .pong)])
        // A fourth already read while paused is still answered, and deepens the debt without a second timer.
        #expect(m.received(Self.frame("ping", id: 4), now: Self.t0, wallClock: Self.wallClock) == [.reply(to: wireMessageID(4), .pong)])
        // 100 ms later the debt is not paid yet (two tokens short): wait again.
        #expect(m.resumeTimerFired(now: Self.t0 + .milliseconds(100)) == [.scheduleResume(after: .milliseconds(100))])
        #expect(m.resumeTimerFired(now: Self.t0 + .milliseconds(200)) == [.resumeReading])
        #expect(!m.isReadingPaused)
    }

    @Test("a peer that does not read: reading pauses, and the session closes after the stall timeout")
    func writeStall() {
        var m = Self.machine { $0.writeStallTimeout = .seconds(30) }
        _ = m.requestStarted(wireMessageID(9))
        #expect(m.writabilityChanged(isWritable: false, now: Self.t0) == [.pauseReading, .scheduleStallCheck(after: .seconds(30))])
        #expect(m.writabilityChanged(isWritable: false, now: Self.t0 + .seconds(1)).isEmpty)
        #expect(m.writeStallTimerFired(now: Self.t0 + .seconds(30)) == [.failRequest(wireMessageID(9), .peerNotReading), .close(.peerNotReading)])
        #expect(m.isClosed)
    }

    @Test("a peer that reads again in time: reading resumes and the stall check does nothing")
    func writeRecovers() {
        var m = Self.machine { $0.writeStallTimeout = .seconds(30) }
        _ = m.writabilityChanged(isWritable: false, now: Self.t0)
        #expect(m.writabilityChanged(isWritable: true, now: Self.t0 + .seconds(5)) == [.resumeReading])
        #expect(m.writeStallTimerFired(now: Self.t0 + .seconds(30)).isEmpty)
        // Blocked again later: the timeout counts from the new block.
        _ = m.writabilityChanged(isWritable: false, now: Self.t0 + .seconds(40))
        #expect(m.writeStallTimerFired(now: Self.t0 + .seconds(50)) == [.scheduleStallCheck(after: .seconds(20))])
        #expect(!m.isClosed)
    }

    @Test("reading resumes only when every reason to pause is gone")
    func pauseReasonsCombine() {
        var m = Self.machine { $0.maximumDeliveriesInFlight = 1 }
        #expect(m.writabilityChanged(isWritable: false, now: Self.t0) == [.pauseReading, .scheduleStallCheck(after: .seconds(30))])
        let delivered = m.received(Self.card(id: 1), now: Self.t0, wallClock: Self.wallClock)
        #expect(!delivered.contains(.pauseReading), "already paused")
        #expect(m.writabilityChanged(isWritable: true, now: Self.t0).isEmpty, "a delivery is still in flight")
        #expect(m.deliveryFinished() == [.resumeReading])
    }

    // MARK: Keepalive and idle

    @Test("silence: nothing before the keepalive interval, a ping after it, a close after the idle timeout")
    func keepaliveAndIdle() {
        var m = Self.machine { $0.keepaliveInterval = .seconds(60); $0.idleTimeout = .seconds(180) }
        #expect(m.tick(now: Self.t0 + .seconds(59)).isEmpty)
        #expect(m.tick(now: Self.t0 + .seconds(60)) == [.sendKeepalive])
        #expect(m.tick(now: Self.t0 + .seconds(179)) == [.sendKeepalive])
        #expect(m.tick(now: Self.t0 + .seconds(180)) == [.close(.idle)])
        #expect(m.tick(now: Self.t0 + .seconds(240)).isEmpty, "closed once")
    }

    @Test func anyFrameCountsAsActivityEvenARefusedOne() {
        var m = Self.machine { $0.keepaliveInterval = .seconds(60); $0.idleTimeout = .seconds(180) }
        _ = m.received(Self.frame("gossip"), now: Self.t0 + .seconds(170), wallClock: Self.wallClock)
        #expect(m.tick(now: Self.t0 + .seconds(200)).isEmpty)
        #expect(m.tick(now: Self.t0 + .seconds(230)) == [.sendKeepalive])
    }
}

@Suite("Message rate limiter")
struct MessageRateLimiterTests {
    @Test func aBurstThenTheRate() {
        var limiter = MessageRateLimiter(ratePerSecond: 100, burst: 2, now: .zero)
        #expect(limiter.consume(now: .zero) == nil)
        #expect(limiter.consume(now: .zero) == .milliseconds(10))
        #expect(limiter.wait(now: .milliseconds(10)) == nil)
        #expect(limiter.consume(now: .milliseconds(10)) == .milliseconds(10))
        // Idle time refills to the burst, never above it.
        #expect(limiter.wait(now: .seconds(100)) == nil)
        #expect(limiter.consume(now: .seconds(100)) == nil)
        #expect(limiter.consume(now: .seconds(100)) == .milliseconds(10))
    }

    @Test("a clock that goes backwards does not mint tokens")
    func backwards() {
        var limiter = MessageRateLimiter(ratePerSecond: 1, burst: 1, now: .seconds(10))
        #expect(limiter.consume(now: .seconds(10)) == .seconds(1))
        #expect(limiter.wait(now: .seconds(5)) == .seconds(1))
    }
}

@Suite("Message bodies")
struct MessageBodyTests {
    static let invitationBody = CBORValue.map(["document": .bytes([1]), "note": .text("n"), "salt": .bytes([UInt8](repeating: 7, count: 16)),
                                               "card": .bytes([2])])
    /// RFC 8032 test 1's public key: a key the key policy accepts.
    static let reference: [String: CBORValue] = [
        "requester": .bytes(Hex.decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")!),
        "request": .bytes([UInt8](repeating: 1, count: 16)),
    ]

    @Test("every type reads its own body shape", arguments: WireMessageType.allCases)
    func shapes(type: WireMessageType) throws {
        let invitationBody = Self.invitationBody, reference = Self.reference
        let valid: CBORValue = switch type {
        case .ping, .pong, .ack: .map([:])
        case .error: WireErrorBody(code: .busy, message: "m").value
        case .card, .acceptance, .connectionRemoval: .map(["document": .bytes([1])])
        case .invitation: .map(["document": .bytes([1]), "note": .text("n"), "salt": .bytes([UInt8](repeating: 7, count: 16)),
                                "card": .bytes([2])])
        case .invitationQuestion, .invitationReply: .map(["invitation": .bytes([UInt8](repeating: 1, count: 16)), "note": .text("n")])
        case .invitationWithdrawal: .map(["invitation": .bytes([UInt8](repeating: 1, count: 16))])
        case .introductionRequest: .map(["invitation": invitationBody, "note": .text("n")])
        case .introductionOffer: .map(["invitation": invitationBody, "introduction": .bytes([3])])
        case .introductionForwarded, .introductionWithdrawal, .introductionOutcome: .map(reference)
        case .introductionNotForwarded, .introductionQuestion, .introductionReply: .map(reference.merging(["note": .text("n")]) { a, _ in a })
        case .visibility: .map(["document": .bytes([1]), "token": .bytes([UInt8](repeating: 2, count: 32))])
        case .connectionsQuery: .map(["after": .bytes([UInt8](repeating: 0, count: 32))])
        case .connectionsAnswer: .map(["records": .array([.bytes([1])]), "more": .bool(false)])
        case .introducerQuery: .map(["target": reference["requester"]!])
        case .introducerAnswer: .map(["record": .bytes([1])])
        case .mutualQuery: .map(["query": .bytes([UInt8](repeating: 3, count: 16)), "page": .unsigned(0),
                                 "elements": .bytes([UInt8](repeating: 4, count: 64))])
        case .mutualAnswer: .map(["elements": .bytes([UInt8](repeating: 4, count: 32)), "set": .bytes([]), "more": .bool(true)])
        }
        let body = try MessageBody(type: type, body: valid)
        #expect(body.type == type)
        #expect(body.value == valid)
        #expect(throws: ProtocolError.self) { try MessageBody(type: type, body: .text("not a map")) }
    }

    @Test func kinds() {
        #expect(WireMessageType.ping.kind == .request)
        #expect([WireMessageType.pong, .error, .ack].allSatisfy { $0.kind == .reply })
        #expect(WireMessageType.card.kind == .delivery && WireMessageType.card.isDelivery)
        #expect([WireMessageType.invitation, .invitationQuestion, .invitationReply, .invitationWithdrawal, .acceptance, .connectionRemoval]
            .allSatisfy { $0.kind == .delivery })
    }
}

@Suite("Untrusted text")
struct UntrustedTextTests {
    @Test("controls, separators and bidi overrides become visible escapes", arguments: [
        ("plain text, é and 日本", "plain text, é and 日本"),
        ("two\nlines", "two\\nlines"),
        ("cr\r\ttab", "cr\\r\\ttab"),
        ("\u{1B}[31mred", "\\u{1B}[31mred"),
        ("nul\u{0}", "nul\\u{0}"),
        ("del\u{7F}", "del\\u{7F}"),
        ("c1\u{85}", "c1\\u{85}"),
        ("sep\u{2028}para\u{2029}", "sep\\u{2028}para\\u{2029}"),
        ("\u{202E}evil", "\\u{202E}evil"),
        ("\u{2066}iso\u{2069}", "\\u{2066}iso\\u{2069}"),
        ("back\\slash", "back\\\\slash"),
        ("a forged \\n escape", "a forged \\\\n escape"),
    ])
    func escapes(input: String, expected: String) {
        #expect(UntrustedText.escaped(input) == expected)
        #expect(!UntrustedText.escaped(input).contains("\n"))
    }
}
