import Testing
import VouchCrypto
@testable import VouchProtocol

/// The races and bad inputs of issue 11, each played through both machines as two nodes would
/// (every table row is also in Protocol/vectors/invitations.json, re-derived by check_vectors.py).
@Suite("Invitation flow")
struct InvitationFlowTests {
    typealias F = InvitationFixtures
    static let before = F.created + 1_000

    /// Both sides after the invitee received the fixture invitation.
    static func start() -> (InvitationSenderMachine, InvitationRecipientMachine) {
        (InvitationSenderMachine(sent: F.invitation.signed), InvitationRecipientMachine(received: F.invitation))
    }

    static func sent(_ actions: [InvitationRecipientMachine.Action]) -> [Delivery] {
        actions.compactMap { if case .send(let d, _) = $0 { d } else { nil } }
    }

    static func sent(_ actions: [InvitationSenderMachine.Action]) -> [Delivery] {
        actions.compactMap { if case .send(let d, _) = $0 { d } else { nil } }
    }

    @Test("accept: both sides hold the same record, and the inviter reads the relationship's inverse")
    func acceptConnects() throws {
        var (bob, alice) = Self.start()
        let answer = try alice.accept(now: Self.before, key: F.inviteeKey)
        guard case .acceptance(let body)? = Self.sent(answer).first else { Issue.record("\(answer)"); return }
        let connection = try Connection(verifying: body.document)
        #expect(bob.acceptanceReceived(connection, from: F.invitee, now: Self.before + 5) == [.recordConnection(connection), .event(.connected)])
        #expect(bob.state == .connected && alice.state == .accepted)
        #expect(bob.connection?.record == alice.connection?.record)
        #expect(connection.inviter == F.inviter && connection.invitee == F.invitee && connection.since == Self.before)
        #expect(connection.introducedBy == nil)
        let mentor = try Connection.accept(try Invitation(verifying: F.body(relationship: .mentor)).signed, accepted: Self.before, with: F.inviteeKey)
        #expect(mentor.relationship(seenBy: F.inviter) == .mentor && mentor.relationship(seenBy: F.invitee) == .mentee)
        #expect(mentor.relationship(seenBy: F.third) == nil)
    }

    @Test("the context thread: a question, a reply, and the invitation stays pending on both sides")
    func thread() throws {
        var (bob, alice) = Self.start()
        let asked = try alice.askContext("Could you remind me where we met?", now: Self.before)
        guard case .invitationQuestion(let question)? = Self.sent(asked).first else { Issue.record("\(asked)"); return }
        #expect(bob.questionReceived(question, from: F.invitee, now: Self.before) == [.event(.questionReceived)])
        #expect(throws: InvitationFlowError.self) { try alice.askContext("And?", now: Self.before) }
        let replied = try bob.reply("At the London meetup, we talked about looms.", now: Self.before)
        guard case .invitationReply(let reply)? = Self.sent(replied).first else { Issue.record("\(replied)"); return }
        #expect(alice.replyReceived(reply, from: F.inviter, now: Self.before) == [.event(.replyReceived)])
        #expect(bob.state == .pending && alice.state == .pending && alice.thread.entries.count == 2 && bob.thread == alice.thread)
        #expect(throws: InvitationFlowError(.noOpenQuestion, "there is no question to reply to")) { try bob.reply("more", now: Self.before) }
        #expect(throws: ProtocolError.self) { try alice.askContext("   ", now: Self.before) }
    }

    @Test("accept after withdraw: the withdrawal wins on both sides, whichever arrives first")
    func acceptCrossesWithdrawal() throws {
        var (bob, alice) = Self.start()
        let withdrawal = try bob.withdraw(now: Self.before)
        #expect(Self.sent(withdrawal) == [.invitationWithdrawal(InvitationWithdrawalBody(invitation: F.id))])
        let accepted = try alice.accept(now: Self.before, key: F.inviteeKey)
        let connection = try #require(alice.connection)
        #expect(accepted.contains(.recordConnection(connection)))
        // Bob ignores the acceptance and sends the withdrawal again; Alice drops what she recorded.
        let atBob = bob.acceptanceReceived(connection, from: F.invitee, now: Self.before)
        #expect(Self.sent(atBob) == [.invitationWithdrawal(InvitationWithdrawalBody(invitation: F.id))] && bob.state == .withdrawn)
        #expect(alice.withdrawalReceived(from: F.inviter, now: Self.before) == [.dropConnection(connection), .event(.withdrawn)])
        #expect(alice.state == .withdrawn && alice.connection == nil && bob.connection == nil)
        // Accepting a withdrawn invitation is refused locally.
        #expect(throws: InvitationFlowError.self) { try alice.accept(now: Self.before, key: F.inviteeKey) }
    }

    @Test("accept after expiry is refused; an acceptance made in time and delivered late still connects")
    func expiry() throws {
        var (bob, alice) = Self.start()
        #expect(throws: InvitationFlowError(.invitationExpired, "the invitation has expired")) {
            try alice.accept(now: F.expires, key: F.inviteeKey)
        }
        #expect(alice.state == .pending)
        #expect(alice.tick(now: F.expires) == [.event(.expired)] && alice.state == .expired)
        #expect(bob.tick(now: F.expires) == [.event(.expired)] && bob.state == .expired)
        // A second invitee machine accepted in time while Bob was offline; it reaches Bob after expiry.
        var early = InvitationRecipientMachine(received: F.invitation)
        _ = try early.accept(now: F.expires - 1, key: F.inviteeKey)
        let connection = try #require(early.connection)
        #expect(bob.acceptanceReceived(connection, from: F.invitee, now: F.expires + 86_400_000) == [.recordConnection(connection), .event(.connected)])
        // An acceptance signed at or after expires is not a valid document at all.
        let late = F.signRaw(.map(["accepted": .unsigned(F.expires), "invitation": .bytes(F.invitation.signed.bytes)]),
                             type: .acceptance, key: F.inviteeKey)
        expectProtocolError(.expired) { try Connection(verifying: late) }
    }

    @Test("the same invitation delivered twice, and replayed after a decline, is acked and ignored")
    func duplicates() throws {
        var (_, alice) = Self.start()
        guard case .ignore? = alice.invitationReceivedAgain(F.body()).first else { Issue.record("not ignored"); return }
        _ = try alice.decline(now: Self.before)
        let replay = alice.invitationReceivedAgain(F.body())
        guard case .ignore? = replay.first, replay.count == 1 else { Issue.record("\(replay)"); return }
        #expect(alice.state == .declined)
        // A declined invitation still answers nothing: a reply to it is acked and ignored too.
        guard case .ignore? = alice.replyReceived(.init(invitation: F.id, note: "hello?"), from: F.inviter, now: Self.before).first else {
            Issue.record("reply after decline not ignored"); return
        }
        // And Bob still sees it pending.
        var bob = InvitationSenderMachine(sent: F.invitation.signed)
        #expect(bob.tick(now: Self.before).isEmpty && bob.state == .pending)
    }

    @Test("an acceptance by the wrong key, for other terms, or from another peer is refused")
    func wrongAcceptances() throws {
        var bob = InvitationSenderMachine(sent: F.invitation.signed)
        let byInviter = F.signRaw(.map(["accepted": .unsigned(Self.before), "invitation": .bytes(F.invitation.signed.bytes)]),
                                  type: .acceptance, key: F.thirdKey)
        expectProtocolError(.signerMismatch) { try Connection(verifying: byInviter) }
        let otherTerms = try Connection.accept(try Invitation(verifying: F.body(relationship: .family)).signed, accepted: Self.before,
                                               with: F.inviteeKey)
        guard case .refuse(let error)? = bob.acceptanceReceived(otherTerms, from: F.invitee, now: Self.before).first else {
            Issue.record("other terms accepted"); return
        }
        #expect(error.code == .invalidValue && bob.state == .pending)
        guard case .refuse? = bob.acceptanceReceived(F.connection(), from: F.third, now: Self.before).first else {
            Issue.record("acceptance from a third node accepted"); return
        }
        #expect(bob.state == .pending)
    }

    @Test("both invite each other at once: both nodes let the same invitation stand, and one connection results")
    func crossing() throws {
        // Inviter (key 1) and invitee (key 2) each invite the other.
        let small = min(F.inviter, F.invitee), large = max(F.inviter, F.invitee)
        #expect(InvitationCrossing.decide(local: large, peer: small, oursPending: true) == .theirsStands)
        #expect(InvitationCrossing.decide(local: small, peer: large, oursPending: true) == .oursStands)
        #expect(InvitationCrossing.decide(local: small, peer: large, oursPending: false) == .noCrossing)
        #expect(InvitationCrossing.beforeInviting(theirsPending: true) == .acceptTheirsInstead)
        // The node whose invitation yields withdraws it; the other's stands and is accepted once.
        let largeKey = large == F.inviter ? F.inviterKey : F.inviteeKey
        let smallKey = large == F.inviter ? F.inviteeKey : F.inviterKey
        let yielding = try Invitation(verifying: F.body(invitee: small, key: largeKey, card: try ProfileTests.sampleProfile()
            .document(for: .everyone).signed(with: largeKey)))
        var ours = InvitationSenderMachine(sent: yielding.signed)
        #expect(Self.sent(try ours.withdraw(now: Self.before)).count == 1)
        let standing = try Invitation(verifying: F.body(invitee: large, key: smallKey, card: try ProfileTests.sampleProfile()
            .document(for: .everyone).signed(with: smallKey)))
        var inbox = InvitationRecipientMachine(received: standing)
        _ = try inbox.accept(now: Self.before, key: largeKey)
        var theirs = InvitationSenderMachine(sent: standing.signed)
        _ = theirs.acceptanceReceived(try #require(inbox.connection), from: large, now: Self.before)
        #expect(theirs.state == .connected && ours.state == .withdrawn)
    }

    @Test("report spam blocks the inviter and sends nothing; decline sends nothing")
    func silentAnswers() throws {
        var (_, alice) = Self.start()
        #expect(try alice.decline(now: Self.before) == [.event(.declined)])
        #expect(try alice.reportSpam(now: Self.before) == [.block(F.inviter), .event(.reportedSpam)])
        #expect(throws: InvitationFlowError.self) { try alice.accept(now: Self.before, key: F.inviteeKey) }
    }

    @Test("removal: either side, not a third; removing names the exact record")
    func removal() throws {
        let connection = F.connection()
        let removal = try ConnectionRemoval.sign(removing: connection, at: Self.before, with: F.inviterKey)
        #expect(removal.connection == connection.id && removal.signer == F.inviter)
        #expect(throws: ProtocolError.self) { try ConnectionRemoval.sign(removing: connection, at: Self.before, with: F.thirdKey) }
    }

    @Test("the writer refuses what a reader would: no note, a self-invitation, other without context, too long a lifetime")
    func writerChecks() {
        let card = F.inviterCard
        expectProtocolError(.invalidValue) {
            try Invitation.make(inviter: F.inviterKey, invitee: F.invitee, relationship: .friend, context: nil, note: " ", card: card, created: 1)
        }
        expectProtocolError(.selfInvitation) {
            try Invitation.make(inviter: F.inviterKey, invitee: F.inviter, relationship: .friend, context: nil, note: "hi", card: card, created: 1)
        }
        expectProtocolError(.missingField) {
            try Invitation.make(inviter: F.inviterKey, invitee: F.invitee, relationship: .other, context: nil, note: "hi", card: card, created: 1)
        }
        expectProtocolError(.invalidValue) {
            try Invitation.make(inviter: F.inviterKey, invitee: F.invitee, relationship: .friend, context: nil, note: "hi", card: card,
                                created: 1, lifetime: InvitationLimits.maximumLifetime + 1)
        }
    }
}
