import Testing
import VouchCrypto
@testable import VouchProtocol

/// Issue 13's adversarial peer (Protocol/disclosure.md §7.2): one that lies in the intersection,
/// replays answers, or changes its statement in the middle of a query.
@Suite("Disclosure against a lying peer")
struct DisclosureAdversaryTests {
    typealias D = DisclosureFixtures

    static func node() throws -> NodeID { NodeID(publicKey: try Ed25519PrivateKey().publicKey) }
    static func people(_ n: Int) throws -> [(node: NodeID, token: [UInt8])] { try (0..<n).map { _ in (try node(), SecureRandom.bytes(32)) } }

    @Test("an answering node that returns garbage, reflects the asker's points or echoes them unblinded makes no match")
    func lyingAnswerer() throws {
        let people = try Self.people(6)
        let keyA = try X25519PrivateKey(), keyB = try X25519PrivateKey()
        let sent = try people.map { try MutualSet.blind(MutualSet.element(peer: $0.node, token: $0.token), with: keyA) }
        let strategies: [(String, echoed: [[UInt8]], set: [[UInt8]])] = [
            ("garbage", sent.map { _ in try! MutualSet.dummy() }, sent.map { _ in try! MutualSet.dummy() }),
            ("the asker's points as its set, blinded echo", try sent.map { try MutualSet.blind($0, with: keyB) }, sent),
            ("echo unblinded, the asker's points as its set", sent, sent),
            ("echo unblinded, its set blinded twice", sent, try sent.map { try MutualSet.blind($0, with: keyB) }),
        ]
        for (what, echoed, set) in strategies {
            let theirs = try set.map { try MutualSet.blind($0, with: keyA) }
            #expect(MutualSet.common(twice: echoed, theirs: theirs).isEmpty, "\(what)")
        }
        // A point of small order in its set is refused by the asker, not matched.
        expectProtocolError(.invalidValue) { try MutualSet.blind(D.smallOrderPoints[2], with: keyA) }
    }

    @Test("an answering node can claim only people whose token it holds")
    func claimsNeedTokens() throws {
        let people = try Self.people(4)
        let keyA = try X25519PrivateKey(), keyB = try X25519PrivateKey()
        let sent = try people.map { try MutualSet.blind(MutualSet.element(peer: $0.node, token: $0.token), with: keyA) }
        let echoed = try sent.map { try MutualSet.blind($0, with: keyB) }
        // It holds person 0's token; for the others it guesses tokens.
        let set = try [MutualSet.blind(MutualSet.element(peer: people[0].node, token: people[0].token), with: keyB)]
            + people.dropFirst().map { try MutualSet.blind(MutualSet.element(peer: $0.node, token: SecureRandom.bytes(32)), with: keyB) }
        let theirs = try set.map { try MutualSet.blind($0, with: keyA) }
        #expect(MutualSet.common(twice: echoed, theirs: theirs) == [0])
    }

    @Test("an asker without a person's token cannot probe for them, whatever it sends")
    func lyingAsker() throws {
        let secret = SecureRandom.bytes(32), query = SecureRandom.bytes(16)
        let asker = try Self.node(), target = try Self.people(1)[0]
        let keyB = try MutualSet.answeringKey(secret: secret, asker: asker, query: query)
        let set = [try MutualSet.blind(MutualSet.element(peer: target.node, token: target.token), with: keyB)]
        let keyA = try X25519PrivateKey()
        let attempts: [[UInt8]] = [
            MutualSet.element(peer: target.node, token: [UInt8](repeating: 0, count: 32)),  // a guessed token
            SHA256.hash(target.node.rawRepresentation),                                     // the key alone
            set[0],                                                                         // the set's own item sent back
        ]
        for x in attempts {
            let echoed = try MutualSet.blind(try MutualSet.blind(x, with: keyA), with: keyB)
            #expect(MutualSet.common(twice: [echoed], theirs: try set.map { try MutualSet.blind($0, with: keyA) }).isEmpty)
        }
        // Another query of the same asker gets another key: nothing carries over.
        let other = try MutualSet.answeringKey(secret: secret, asker: asker, query: SecureRandom.bytes(16))
        #expect(try other.rawRepresentation != keyB.rawRepresentation)
    }

    @Test("a replayed answer completes nothing; an answer completes only the query it names")
    func replayedAnswers() {
        var m = SessionStateMachineTests.machine()
        let query = wireMessageID(0x30), other = wireMessageID(0x31)
        _ = m.requestStarted(query)
        let body = ConnectionsAnswerBody(records: [], more: false).value
        let stray = SessionStateMachineTests.frame("connections-answer", id: 0x40, replyTo: other, body: body)
        #expect(m.received(stray, now: SessionStateMachineTests.t0, wallClock: SessionStateMachineTests.wallClock)
                == [.notice(.unsolicitedReply(.connectionsAnswer))])
        let answer = SessionStateMachineTests.frame("connections-answer", id: 0x41, replyTo: query, body: body)
        guard case .completeRequest(query, _)? = m.received(answer, now: SessionStateMachineTests.t0,
                                                            wallClock: SessionStateMachineTests.wallClock).first else {
            Issue.record("the answer does not complete its query")
            return
        }
        #expect(m.received(answer, now: SessionStateMachineTests.t0, wallClock: SessionStateMachineTests.wallClock)
                == [.notice(.unsolicitedReply(.connectionsAnswer))])
    }

    @Test("a query is handed to the node to answer, and counts among the messages in flight")
    func queriesAreAnswered() {
        var m = SessionStateMachineTests.machine { $0.maximumDeliveriesInFlight = 2 }
        let frame = SessionStateMachineTests.frame("introducer-query", id: 0x50, body: IntroducerQueryBody(target: D.b).value)
        let actions = m.received(frame, now: SessionStateMachineTests.t0, wallClock: SessionStateMachineTests.wallClock)
        guard case .answer(_, .introducer(let body))? = actions.first, actions.count == 1 else {
            Issue.record("\(actions)")
            return
        }
        #expect(body.target == D.b)
        // A second query (the same one again: queries are not deduplicated) reaches the cap.
        let again = m.received(frame, now: SessionStateMachineTests.t0, wallClock: SessionStateMachineTests.wallClock)
        #expect(again.count == 2 && again.last == .pauseReading, "\(again)")
        #expect(m.deliveryFinished() == [.resumeReading])
    }

    @Test("a side that narrows between pages is not shown on the next page")
    func narrowsMidQuery() throws {
        var all = try DisclosureAnswerTests.candidates(6, size: 10)
        let asker = try Self.node()
        let first = DisclosureAnswer.connectionsPage(all, after: ConnectionsQueryBody.first, asker: asker, askerIsConnection: false,
                                                     maximumBytes: 33)
        #expect(first.records == all[0..<3].map(\.record) && first.more)
        // The fifth connection's other side narrows to only-us; its statement arrives before the next page.
        all[4].audience = DisclosureRule.audience(.everyone, .onlyUs)
        let second = DisclosureAnswer.connectionsPage(all, after: all[2].id, asker: asker, askerIsConnection: false, maximumBytes: 33)
        #expect(second.records == [all[3].record, all[5].record] && !second.more)
    }
}
