import Testing
import VouchCrypto
@testable import VouchProtocol

/// Every transition of the introducer's machine (Protocol/introductions.md §6.2). The vector
/// table `introducer` lists all of them again, state by event, and check_vectors.py re-derives it.
@Suite("Introducer machine")
struct IntroducerMachineTests {
    typealias I = IntroductionFixtures
    typealias T = IntroductionTest
    static let before = T.before

    // MARK: forward

    @Test("forward: the request as received and the introducer's signed note go to the target; the requester hears only 'forwarded'")
    func forward() throws {
        var bob = T.introducer()
        let actions = try bob.forward(note: I.introducerNote, now: Self.before, key: I.introducerKey, connectedToTarget: true)
        let note = try #require(bob.introduction)
        #expect(bob.state == .forwarded && note.introducer == I.introducer && note.note == I.introducerNote && note.created == Self.before)
        #expect(T.sent(actions) == [
            T.Sent(.introductionOffer(IntroductionOfferBody(invitation: I.body(), introduction: note.envelope.encoded)), I.target),
            T.Sent(.introductionForwarded(T.reference), I.requester),
        ])
        #expect(actions.last == .event(.forwarded))
        // The note verifies over exactly the request, as the target and any later reader check it.
        #expect(try SignedIntroduction(verifying: note.envelope.encoded, for: I.request.signed) == note)
        // Nothing about the target reaches the requester: the body is the reference alone.
        #expect(IntroductionReferenceBody(I.reference).value == .map(["requester": .bytes(I.requester.rawRepresentation),
                                                                       "request": .bytes(I.id.bytes)]))
    }

    @Test("forward for someone the introducer is not connected to is refused: it can only decline")
    func forwardNotConnected() {
        var bob = T.introducer()
        expectFlowError(.notConnectedToTarget) {
            _ = try bob.forward(note: I.introducerNote, now: Self.before, key: I.introducerKey, connectedToTarget: false)
        }
        #expect(bob == T.introducer())
    }

    @Test("forward with a note that breaks the note rule changes nothing", arguments: ["", "   \n ", "tab\there"])
    func forwardBadNote(note: String) {
        var bob = T.introducer()
        #expect(throws: ProtocolError.self) { _ = try bob.forward(note: note, now: Self.before, key: I.introducerKey, connectedToTarget: true) }
        #expect(bob == T.introducer())
    }

    @Test("forward or decline in every state but a fresh pending request is refused with its code and changes nothing",
          arguments: [(IntroducerMachine.State.forwarded, true, "already-forwarded"), (.notForwarded, false, "already-forwarded"),
                      (.withdrawn, false, "invitation-withdrawn"), (.withdrawn, true, "invitation-withdrawn"),
                      (.expired, false, "invitation-expired"), (.expired, true, "invitation-expired")])
    func answerRefused(state: IntroducerMachine.State, forwarded: Bool, code: String) {
        for command in ["forward", "decline"] {
            var bob = T.introducer(state, forwarded: forwarded)
            do {
                if command == "forward" {
                    _ = try bob.forward(note: I.introducerNote, now: Self.before, key: I.introducerKey, connectedToTarget: true)
                } else {
                    _ = try bob.decline(note: nil, now: Self.before)
                }
                Issue.record("\(command) in \(state) was allowed")
            } catch let error as InvitationFlowError {
                #expect(error.code.rawValue == code, "\(command) in \(state)")
            } catch {
                Issue.record("\(error)")
            }
            #expect(bob == T.introducer(state, forwarded: forwarded))
        }
    }

    @Test("forward or decline at the request's expires is refused; the expiry is the tick's to record")
    func answerAtExpiry() {
        var bob = T.introducer()
        expectFlowError(.invitationExpired) {
            _ = try bob.forward(note: I.introducerNote, now: I.expires, key: I.introducerKey, connectedToTarget: true)
        }
        expectFlowError(.invitationExpired) { _ = try bob.decline(note: nil, now: I.expires) }
        #expect(bob.state == .pending)
        #expect(bob.tick(now: I.expires) == [.event(.expired)] && bob.state == .expired)
    }

    // MARK: decline

    @Test("decline: the requester learns 'not forwarded', with the private note when there is one, and the target nothing")
    func decline() throws {
        var silent = T.introducer(), kind = T.introducer()
        let plain = try silent.decline(note: nil, now: Self.before)
        #expect(plain == [.send(.introductionNotForwarded(IntroductionNoteBody(I.reference, note: nil)), to: I.requester), .event(.notForwarded)])
        #expect(silent.state == .notForwarded && silent.declineNote == nil && silent.introduction == nil)
        let note = "Sorry Carol, I don't know Alice well enough to vouch for you."
        let withNote = try kind.decline(note: note, now: Self.before)
        #expect(T.sent(withNote) == [T.Sent(.introductionNotForwarded(IntroductionNoteBody(I.reference, note: note)), I.requester)])
        #expect(kind.declineNote == note)
        #expect(throws: ProtocolError.self) { var bob = T.introducer(); _ = try bob.decline(note: "  ", now: Self.before) }
    }

    @Test("a decline without a note is the same message whether or not the introducer knows the target")
    func declineLooksTheSame() throws {
        // The machine is not told whether the introducer is connected to the target when it
        // declines: there is nothing in the message that could depend on it.
        var a = T.introducer(), b = T.introducer()
        #expect(try a.decline(note: nil, now: Self.before) == b.decline(note: nil, now: Self.before + 3_600_000))
    }

    // MARK: the same request again

    @Test("the same request again, or another under the same reference, is ignored in every state",
          arguments: [IntroducerMachine.State.pending, .forwarded, .notForwarded, .withdrawn, .expired])
    func requestAgain(state: IntroducerMachine.State) {
        let bob = T.introducer(state, forwarded: state == .forwarded)
        let other = IntroductionRequestBody(invitation: I.body(relationship: .friend), note: "again")
        for body in [I.requestBody, other] {
            let actions = bob.requestReceivedAgain(body)
            guard case .ignore? = actions.first, actions.count == 1 else { Issue.record("\(actions)"); continue }
        }
    }

    // MARK: withdrawal

    @Test("withdrawal before forwarding: withdrawn, and nothing reaches the target")
    func withdrawalPending() {
        var bob = T.introducer()
        #expect(bob.withdrawalReceived(from: I.requester, now: Self.before) == [.event(.withdrawn)])
        #expect(bob.state == .withdrawn)
        // A second copy (or a re-send after an acceptance cannot exist here): ignored.
        guard case .ignore? = bob.withdrawalReceived(from: I.requester, now: Self.before).first else { Issue.record("not ignored"); return }
    }

    @Test("withdrawal after forwarding is relayed to the target, and relayed again when the requester re-sends it")
    func withdrawalForwarded() {
        var bob = T.introducer(.forwarded, forwarded: true)
        let withdrawal = T.Sent(.introductionWithdrawal(T.reference), I.target)
        let first = bob.withdrawalReceived(from: I.requester, now: Self.before)
        #expect(T.sent(first) == [withdrawal] && first.last == .event(.withdrawn) && bob.state == .withdrawn)
        #expect(bob.withdrawalReceived(from: I.requester, now: Self.before + 10) == [.send(withdrawal.delivery, to: I.target)])
    }

    @Test("withdrawal after an expired forwarded request is still relayed: the target may have accepted in time")
    func withdrawalAfterExpiry() {
        var bob = T.introducer(.forwarded, forwarded: true)
        let actions = bob.withdrawalReceived(from: I.requester, now: I.expires + 5)
        #expect(actions == [.event(.expired), .send(.introductionWithdrawal(T.reference), to: I.target), .event(.withdrawn)])
        var lapsed = T.introducer()
        let unforwarded = lapsed.withdrawalReceived(from: I.requester, now: I.expires)
        #expect(unforwarded.first == .event(.expired) && unforwarded.count == 2 && lapsed.state == .expired)
    }

    @Test("withdrawal of a request the introducer declined is ignored")
    func withdrawalNotForwarded() {
        var bob = T.introducer(.notForwarded)
        guard case .ignore? = bob.withdrawalReceived(from: I.requester, now: Self.before).first else { Issue.record("not ignored"); return }
        #expect(bob.state == .notForwarded)
    }

    @Test("withdrawal from anyone but the requester is refused", arguments: [I.target, I.introducer, I.stranger])
    func withdrawalWrongParty(peer: NodeID) {
        var bob = T.introducer(.forwarded, forwarded: true)
        guard case .refuse(let error)? = bob.withdrawalReceived(from: peer, now: Self.before).first else { Issue.record("not refused"); return }
        #expect(error.code == .wrongRecipient && bob.state == .forwarded)
    }

    // MARK: relays

    @Test("a question from the target is relayed to the requester, a reply from the requester to the target, with the same note")
    func relays() {
        var bob = T.introducer(.forwarded, forwarded: true)
        let question = bob.questionReceived(note: "How do you know Carol?", from: I.target, now: Self.before)
        #expect(question == [.send(.introductionQuestion(IntroductionNoteBody(I.reference, note: "How do you know Carol?")), to: I.requester),
                             .event(.relayed)])
        let reply = bob.replyReceived(note: "Bob and I worked together.", from: I.requester, now: Self.before)
        #expect(reply == [.send(.introductionReply(IntroductionNoteBody(I.reference, note: "Bob and I worked together.")), to: I.target),
                          .event(.relayed)])
        #expect(bob.relayed == 2 && bob.state == .forwarded)
    }

    @Test("questions come only from the target and replies only from the requester")
    func relayWrongParty() {
        var bob = T.introducer(.forwarded, forwarded: true)
        for actions in [bob.questionReceived(note: "?", from: I.requester, now: Self.before),
                        bob.questionReceived(note: "?", from: I.stranger, now: Self.before),
                        bob.replyReceived(note: "!", from: I.target, now: Self.before),
                        bob.replyReceived(note: "!", from: I.stranger, now: Self.before)] {
            guard case .refuse(let error)? = actions.first else { Issue.record("\(actions)"); continue }
            #expect(error.code == .wrongRecipient)
        }
        #expect(bob.relayed == 0)
    }

    @Test("nothing is relayed unless the request was forwarded and is still open",
          arguments: [IntroducerMachine.State.pending, .notForwarded, .withdrawn, .expired])
    func relayOutOfState(state: IntroducerMachine.State) {
        var bob = T.introducer(state, forwarded: state == .withdrawn || state == .expired)
        let actions = bob.questionReceived(note: "?", from: I.target, now: Self.before)
        guard case .ignore? = actions.first, actions.count == 1 else { Issue.record("\(actions)"); return }
        #expect(bob.relayed == 0 && bob.state == state)
    }

    @Test("at most 10 questions and replies are relayed, together")
    func relayBound() {
        var bob = T.introducer(.forwarded, forwarded: true, relayed: InvitationLimits.maximumThreadEntries - 1)
        #expect(T.sent(bob.replyReceived(note: "last", from: I.requester, now: Self.before)).count == 1)
        let over = bob.questionReceived(note: "one more?", from: I.target, now: Self.before)
        guard case .ignore? = over.first, over.count == 1 else { Issue.record("\(over)"); return }
        #expect(bob.relayed == InvitationLimits.maximumThreadEntries)
    }

    @Test("a question arriving at expiry records the expiry and is not relayed")
    func relayAtExpiry() {
        var bob = T.introducer(.forwarded, forwarded: true)
        let actions = bob.questionReceived(note: "?", from: I.target, now: I.expires)
        #expect(actions.first == .event(.expired) && T.sent(actions).isEmpty && bob.state == .expired)
    }

    // MARK: outcome

    @Test("the outcome: the introducer learns of an acceptance only when the target tells it, once")
    func outcome() {
        var bob = T.introducer(.forwarded, forwarded: true)
        #expect(bob.outcomeReceived(from: I.target, now: Self.before) == [.event(.accepted)])
        #expect(bob.accepted && bob.state == .forwarded)
        guard case .ignore? = bob.outcomeReceived(from: I.target, now: Self.before).first else { Issue.record("second outcome"); return }
    }

    @Test("an outcome made in time and delivered after expiry still counts; after a withdrawal it does not")
    func outcomeLateOrWithdrawn() {
        var late = T.introducer(.forwarded, forwarded: true)
        #expect(late.outcomeReceived(from: I.target, now: I.expires) == [.event(.expired), .event(.accepted)] && late.accepted)
        var withdrawn = T.introducer(.withdrawn, forwarded: true)
        guard case .ignore? = withdrawn.outcomeReceived(from: I.target, now: Self.before).first else { Issue.record("counted"); return }
        #expect(!withdrawn.accepted)
    }

    @Test("an outcome from anyone but the target, or on a request never forwarded, is refused")
    func outcomeRefused() {
        for (bob, peer) in [(T.introducer(.forwarded, forwarded: true), I.requester), (T.introducer(.forwarded, forwarded: true), I.stranger),
                            (T.introducer(), I.target), (T.introducer(.notForwarded), I.target)] {
            var m = bob
            guard case .refuse(let error)? = m.outcomeReceived(from: peer, now: Self.before).first else { Issue.record("\(peer)"); continue }
            #expect(error.code == .wrongRecipient && !m.accepted)
        }
    }

    // MARK: tick

    @Test("tick: a pending or forwarded request expires at expires, not a millisecond before; other states stay",
          arguments: [IntroducerMachine.State.pending, .forwarded, .notForwarded, .withdrawn, .expired])
    func tick(state: IntroducerMachine.State) {
        var bob = T.introducer(state, forwarded: state == .forwarded)
        #expect(bob.tick(now: I.expires - 1).isEmpty && bob.state == state)
        let due = bob.tick(now: I.expires)
        if state == .pending || state == .forwarded {
            #expect(due == [.event(.expired)] && bob.state == .expired)
        } else {
            #expect(due.isEmpty && bob.state == state)
        }
    }
}
