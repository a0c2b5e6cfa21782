import Testing
import VouchCrypto
@testable import VouchProtocol

/// Whole introductions played purely through the three machines, as three nodes would: each
/// delivery is encoded, read back as a message body (transport.md §5), checked as the receiving
/// node checks it (Protocol/introductions.md §5.2, §5.4) and routed to a role by its reference
/// and sender (§5.5).
@Suite("Introduction flow")
struct IntroductionFlowTests {
    typealias I = IntroductionFixtures
    typealias T = IntroductionTest

    /// Carol, Bob and Alice, and the deliveries in flight between them.
    struct Three {
        var carol: InvitationSenderMachine
        var bob: IntroducerMachine?
        var alice: InvitationRecipientMachine?
        /// In flight: (delivery, from, to), oldest first.
        var wire: [(Delivery, NodeID, NodeID)] = []
        var now = T.before

        /// Carol signs the request and queues it to Bob.
        init() {
            carol = InvitationSenderMachine(sent: I.request.signed)
            wire = [(.introductionRequest(I.requestBody), I.requester, I.introducer)]
        }

        mutating func queue(_ sends: [T.Sent], from: NodeID) {
            wire += sends.map { ($0.delivery, from, $0.to) }
        }

        /// Delivers the oldest message in flight and returns its type.
        @discardableResult
        mutating func deliverNext() throws -> WireMessageType {
            let (sent, from, to) = wire.removeFirst()
            // The bytes cross the wire: the receiver reads them back as a body of their type.
            guard case .delivery(let delivery) = try MessageBody(type: sent.type, body: try CBORValue(canonical: sent.value.encoded)) else {
                preconditionFailure("not a delivery")
            }
            #expect(delivery == sent)
            switch (delivery, to) {
            case (.introductionRequest(let body), I.introducer):
                let request = try Invitation(verifying: body.invitation)
                #expect(request.inviter == from && request.terms.introducer == I.introducer)
                try request.checkTimes(now: now)
                bob = IntroducerMachine(received: request, body: body.invitation, note: body.note)
            case (.introductionOffer(let body), I.target):
                let invitation = try Invitation(verifying: body.invitation, receiver: I.target, now: now)
                #expect(invitation.terms.introducer == from)
                alice = InvitationRecipientMachine(received: invitation,
                                                   introduction: try SignedIntroduction(verifying: body.introduction, for: invitation.signed))
            case (.introductionForwarded(let body), I.requester):
                #expect(body.reference == carol.reference)
                queue(T.sent(carol.forwardedReceived(from: from, now: now)), from: to)
            case (.introductionNotForwarded(let body), I.requester):
                queue(T.sent(carol.notForwardedReceived(note: body.note, from: from, now: now)), from: to)
            case (.introductionQuestion(let body), I.introducer):
                queue(T.sent(bob!.questionReceived(note: body.note!, from: from, now: now)), from: to)
            case (.introductionQuestion(let body), I.requester):
                queue(T.sent(carol.questionReceived(note: body.note!, from: from, now: now)), from: to)
            case (.introductionReply(let body), I.introducer):
                queue(T.sent(bob!.replyReceived(note: body.note!, from: from, now: now)), from: to)
            case (.introductionReply(let body), I.target):
                queue(T.sent(alice!.replyReceived(note: body.note!, from: from, now: now)), from: to)
            case (.introductionWithdrawal, I.introducer):
                queue(T.sent(bob!.withdrawalReceived(from: from, now: now)), from: to)
            case (.introductionWithdrawal, I.target):
                queue(T.sent(alice!.withdrawalReceived(from: from, now: now)), from: to)
            case (.introductionOutcome, I.introducer):
                queue(T.sent(bob!.outcomeReceived(from: from, now: now)), from: to)
            case (.acceptance(let body), I.requester):
                queue(T.sent(carol.acceptanceReceived(try Connection(verifying: body.document), from: from, now: now)), from: to)
            default:
                Issue.record("\(sent.type.rawValue) to \(I.role(to)): not a message of the flow")
            }
            return sent.type
        }

        mutating func deliverAll() throws -> [WireMessageType] {
            var types: [WireMessageType] = []
            while !wire.isEmpty { types.append(try deliverNext()) }
            return types
        }
    }

    @Test("request → forward → question relayed → reply relayed → accept: the record names the introducer and verifies offline")
    func fullFlow() throws {
        var three = Three()
        #expect(try three.deliverAll() == [.introductionRequest])
        #expect(three.bob?.state == .pending && three.alice == nil && three.carol.shownState == "requested")

        three.queue(T.sent(try three.bob!.forward(note: I.introducerNote, now: three.now, key: I.introducerKey, connectedToTarget: true)),
                    from: I.introducer)
        #expect(try three.deliverAll() == [.introductionOffer, .introductionForwarded])
        #expect(three.carol.shownState == "forwarded" && three.alice?.state == .pending)
        #expect(three.alice?.invitation.note == I.noteToTarget && three.alice?.introduction?.note == I.introducerNote)

        // Alice asks; Bob relays to Carol; Carol answers; Bob relays to Alice. Nobody's address moves.
        three.queue(T.sent(try three.alice!.askContext("How do you know Bob?", now: three.now)), from: I.target)
        #expect(try three.deliverAll() == [.introductionQuestion, .introductionQuestion])
        three.queue(T.sent(try three.carol.reply("We worked together for three years.", now: three.now)), from: I.requester)
        #expect(try three.deliverAll() == [.introductionReply, .introductionReply])
        #expect(three.alice!.thread == three.carol.thread && three.alice!.thread.entries.count == 2 && three.bob!.relayed == 2)

        three.now += 60_000
        three.queue(T.sent(try three.alice!.accept(now: three.now, key: I.targetKey, tellIntroducer: true)), from: I.target)
        #expect(try three.deliverAll() == [.acceptance, .introductionOutcome])
        #expect(three.carol.state == .connected && three.alice!.state == .accepted && three.bob!.accepted)

        // The record: the same bytes on both sides, naming Bob, with his note as evidence anyone can check.
        let record = try #require(three.carol.connection)
        #expect(record.record == three.alice!.connection?.record)
        let offline = try Connection(verifying: record.record.encoded)
        #expect(offline.inviter == I.requester && offline.invitee == I.target && offline.introducedBy == I.introducer)
        let evidence = try #require(offline.introduction)
        #expect(evidence.introducer == I.introducer && evidence.note == I.introducerNote)
        #expect(try SignedIntroduction(verifying: evidence.envelope.encoded, for: offline.invitation) == evidence)
    }

    @Test("decline: Carol learns 'not forwarded' and the note; Alice never hears of it")
    func declined() throws {
        var three = Three()
        try three.deliverAll()
        three.queue(T.sent(try three.bob!.decline(note: "Sorry, I can't vouch here.", now: three.now)), from: I.introducer)
        #expect(try three.deliverAll() == [.introductionNotForwarded])
        #expect(three.carol.state == .notForwarded && three.carol.introducerNote == "Sorry, I can't vouch here." && three.alice == nil)
    }

    @Test("Carol withdraws while Alice accepts: the withdrawal, relayed through Bob twice, wins on all three sides")
    func withdrawalCrossesAcceptance() throws {
        var three = Three()
        try three.deliverAll()
        three.queue(T.sent(try three.bob!.forward(note: I.introducerNote, now: three.now, key: I.introducerKey, connectedToTarget: true)),
                    from: I.introducer)
        try three.deliverAll()
        // Both act before either message arrives.
        three.queue(T.sent(try three.carol.withdraw(now: three.now)), from: I.requester)
        three.queue(T.sent(try three.alice!.accept(now: three.now, key: I.targetKey)), from: I.target)
        #expect(three.alice!.state == .accepted && three.alice!.connection != nil)
        // The withdrawal reaches Bob (relayed to Alice), the acceptance reaches Carol (who sends the withdrawal again).
        let order = try three.deliverAll()
        #expect(order == [.introductionWithdrawal, .acceptance, .introductionWithdrawal, .introductionWithdrawal, .introductionWithdrawal])
        #expect(three.carol.state == .withdrawn && three.carol.connection == nil)
        #expect(three.bob!.state == .withdrawn)
        #expect(three.alice!.state == .withdrawn && three.alice!.connection == nil)
    }

    @Test("the same request delivered twice is processed once; a request naming another introducer is not Bob's")
    func replays() throws {
        var three = Three()
        try three.deliverAll()
        let bob = try #require(three.bob)
        guard case .ignore? = bob.requestReceivedAgain(I.requestBody).first else { Issue.record("processed twice"); return }
        let otherIntroducer = try Invitation(verifying: I.body(introducer: I.stranger))
        #expect(otherIntroducer.terms.introducer != I.introducer)
        // A note Bob signed over this request does not vouch for the one naming a stranger.
        expectProtocolError(.signerMismatch) { _ = try SignedIntroduction(verifying: bob.introduction?.envelope.encoded ??
                                                                         I.introduction().envelope.encoded, for: otherIntroducer.signed) }
    }
}
