import Testing
import VouchCrypto
@testable import VouchProtocol

/// The requester's and the target's sides of an introduction: the invitation machines with a
/// format 2 invitation, routed through the introducer (Protocol/introductions.md §6.1, §6.3).
@Suite("Introduction: the requester and the target")
struct IntroductionSideTests {
    typealias I = IntroductionFixtures
    typealias T = IntroductionTest
    static let before = T.before

    // MARK: the requester

    @Test("the requester's replies and withdrawals go to the introducer, named by the reference")
    func requesterRoutes() throws {
        var carol = T.requester()
        #expect(carol.introducer == I.introducer && carol.counterpart == I.introducer && carol.shownState == "requested")
        #expect(carol.forwardedReceived(from: I.introducer, now: Self.before) == [.event(.forwarded)])
        #expect(carol.questionReceived(note: "How do you know Bob?", from: I.introducer, now: Self.before) == [.event(.questionReceived)])
        let reply = try carol.reply("Bob and I worked together.", now: Self.before)
        #expect(T.sent(reply) == [T.Sent(.introductionReply(IntroductionNoteBody(I.reference, note: "Bob and I worked together.")), I.introducer)])
        let withdrawal = try carol.withdraw(now: Self.before)
        #expect(T.sent(withdrawal) == [T.Sent(.introductionWithdrawal(T.reference), I.introducer)] && carol.state == .withdrawn)
    }

    @Test("a direct invitation still goes to its invitee: the routing depends on the format")
    func directInvitationRoutes() throws {
        var bob = InvitationSenderMachine(sent: InvitationFixtures.invitation.signed)
        #expect(bob.introducer == nil && bob.counterpart == InvitationFixtures.invitee && bob.shownState == "pending")
        #expect(T.sent(try bob.withdraw(now: Self.before)) == [T.Sent(.invitationWithdrawal(InvitationWithdrawalBody(invitation: I.id)),
                                                                      InvitationFixtures.invitee)])
        // A direct invitation has no introducer: an answer "from the introducer" is from a stranger.
        var direct = InvitationSenderMachine(sent: InvitationFixtures.invitation.signed)
        guard case .refuse? = direct.forwardedReceived(from: I.introducer, now: Self.before).first else { Issue.record("taken"); return }
    }

    @Test("the requester takes questions and answers only from the introducer: the target's node is never its peer before acceptance")
    func requesterWrongParty() {
        var carol = T.requester()
        for actions in [carol.questionReceived(note: "?", from: I.target, now: Self.before),
                        carol.forwardedReceived(from: I.target, now: Self.before),
                        carol.notForwardedReceived(note: nil, from: I.stranger, now: Self.before)] {
            guard case .refuse(let error)? = actions.first else { Issue.record("\(actions)"); continue }
            #expect(error.code == .wrongRecipient)
        }
        #expect(carol == T.requester())
    }

    @Test("not forwarded: the requester keeps the private note, reads 'not-forwarded', and can no longer withdraw or reply")
    func notForwarded() {
        var carol = T.requester()
        #expect(carol.notForwardedReceived(note: "Sorry, not this time.", from: I.introducer, now: Self.before) == [.event(.notForwarded)])
        #expect(carol.state == .notForwarded && carol.introducerNote == "Sorry, not this time." && carol.shownState == "not-forwarded")
        expectFlowError(.notForwarded) { _ = try carol.withdraw(now: Self.before) }
        expectFlowError(.notForwarded) { _ = try carol.reply("hello", now: Self.before) }
        // A late forwarded, or a second answer, changes nothing.
        guard case .ignore? = carol.forwardedReceived(from: I.introducer, now: Self.before).first else { Issue.record("moved"); return }
        #expect(carol.state == .notForwarded)
    }

    @Test("forwarded, then not-forwarded: the first answer stands")
    func forwardedThenNot() {
        var carol = T.requester()
        _ = carol.forwardedReceived(from: I.introducer, now: Self.before)
        guard case .ignore? = carol.notForwardedReceived(note: nil, from: I.introducer, now: Self.before).first else { Issue.record("moved"); return }
        #expect(carol.state == .pending && carol.forwarded && carol.shownState == "forwarded")
    }

    @Test("an acceptance after not-forwarded connects: it carries the introducer's note, so the introducer did pass it on")
    func acceptanceAfterNotForwarded() {
        var carol = T.requester()
        _ = carol.notForwardedReceived(note: nil, from: I.introducer, now: Self.before)
        let connection = I.connection()
        #expect(carol.acceptanceReceived(connection, from: I.target, now: I.created + 130_000) == [.recordConnection(connection), .event(.connected)])
        #expect(carol.state == .connected && carol.connection?.introducedBy == I.introducer)
    }

    @Test("the acceptance comes straight from the target; the introducer cannot deliver it")
    func acceptanceFromIntroducer() {
        var carol = T.requester()
        guard case .refuse(let error)? = carol.acceptanceReceived(I.connection(), from: I.introducer, now: Self.before).first else {
            Issue.record("taken"); return
        }
        #expect(error.code == .wrongRecipient && carol.state == .pending)
    }

    // MARK: the target

    @Test("the target's question goes to the introducer; replies and withdrawals come only from it")
    func targetRoutes() throws {
        var alice = T.target()
        #expect(alice.counterpart == I.introducer && alice.inviter == I.requester)
        let asked = try alice.askContext("How do you know Carol?", now: Self.before)
        #expect(T.sent(asked) == [T.Sent(.introductionQuestion(IntroductionNoteBody(I.reference, note: "How do you know Carol?")), I.introducer)])
        guard case .refuse(let error)? = alice.replyReceived(note: "hi", from: I.requester, now: Self.before).first else {
            Issue.record("a reply straight from the requester was taken"); return
        }
        #expect(error.code == .wrongRecipient)
        #expect(alice.replyReceived(note: "We worked together.", from: I.introducer, now: Self.before) == [.event(.replyReceived)])
        guard case .refuse? = alice.withdrawalReceived(from: I.requester, now: Self.before).first else { Issue.record("taken"); return }
        #expect(alice.state == .pending)
        #expect(alice.withdrawalReceived(from: I.introducer, now: Self.before) == [.event(.withdrawn)] && alice.state == .withdrawn)
    }

    @Test("accept: a format 2 acceptance carrying the introducer's note goes to the requester; the introducer hears nothing")
    func acceptSilently() throws {
        var alice = T.target()
        let actions = try alice.accept(now: Self.before, key: I.targetKey)
        let connection = try #require(alice.connection)
        #expect(actions == [.recordConnection(connection), .send(.acceptance(SignedDocumentBody(document: connection.record.encoded)), to: I.requester),
                            .event(.accepted)])
        #expect(connection.record.formatVersion == 2 && connection.introduction == I.introduction() && connection.introducedBy == I.introducer)
    }

    @Test("accept, telling the introducer: the outcome goes to the introducer, the acceptance still to the requester")
    func acceptTellingIntroducer() throws {
        var alice = T.target()
        let actions = try alice.accept(now: Self.before, key: I.targetKey, tellIntroducer: true)
        let connection = try #require(alice.connection)
        #expect(T.sent(actions) == [T.Sent(.acceptance(SignedDocumentBody(document: connection.record.encoded)), I.requester),
                                    T.Sent(.introductionOutcome(T.reference), I.introducer)])
        // For a direct invitation there is nobody to tell.
        var direct = InvitationRecipientMachine(received: InvitationFixtures.invitation)
        #expect(T.sent(try direct.accept(now: Self.before, key: InvitationFixtures.inviteeKey, tellIntroducer: true)).count == 1)
    }

    @Test("decline and report-spam send nothing to anyone, the introducer included")
    func declineSilently() throws {
        var alice = T.target()
        #expect(try alice.decline(now: Self.before) == [.event(.declined)])
        #expect(try alice.reportSpam(now: Self.before) == [.block(I.requester), .event(.reportedSpam)])
    }

    @Test("a withdrawal relayed by the introducer after the target accepted drops the record")
    func withdrawalAfterAccept() throws {
        var alice = T.target()
        _ = try alice.accept(now: Self.before, key: I.targetKey)
        let connection = try #require(alice.connection)
        #expect(alice.withdrawalReceived(from: I.introducer, now: Self.before) == [.dropConnection(connection), .event(.withdrawn)])
        #expect(alice.state == .withdrawn && alice.connection == nil)
    }
}
