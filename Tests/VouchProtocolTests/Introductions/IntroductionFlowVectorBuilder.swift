import Testing
import VouchCrypto
@testable import VouchProtocol

/// The `flow` of Protocol/vectors/introductions.json: one whole introduction, message by
/// message, as the three machines send it (Protocol/introductions.md §1): the request, the
/// offer and the answer, a question and a reply each relayed, the acceptance, the outcome. An
/// implementation checks it reads every body, that the relays pass bodies on unchanged, and that
/// the record verifies with the note the offer carried.
extension VectorBuilder {
    static func introductionFlow() throws -> [JSONVectorValue] {
        let before = I.created + 1_000
        var steps: [JSONVectorValue] = []
        func record(_ from: NodeID, _ sends: [(Delivery, NodeID)], at now: UInt64) {
            for (delivery, to) in sends {
                steps.append(["type": .string(delivery.type.rawValue), "from": .string(I.role(from)), "to": .string(I.role(to)),
                              "now": .number(now), "body_hex": hexValue(delivery.value.encoded)])
            }
        }
        func sends(_ actions: [IntroducerMachine.Action]) -> [(Delivery, NodeID)] {
            actions.compactMap { if case .send(let d, let to) = $0 { (d, to) } else { nil } }
        }
        func sends(_ actions: [InvitationSenderMachine.Action]) -> [(Delivery, NodeID)] {
            actions.compactMap { if case .send(let d, let to) = $0 { (d, to) } else { nil } }
        }
        func sends(_ actions: [InvitationRecipientMachine.Action]) -> [(Delivery, NodeID)] {
            actions.compactMap { if case .send(let d, let to) = $0 { (d, to) } else { nil } }
        }

        var carol = InvitationSenderMachine(sent: I.request.signed)
        record(I.requester, [(.introductionRequest(I.requestBody), I.introducer)], at: I.created)
        var bob = IntroducerMachine(received: try Invitation(verifying: I.requestBody.invitation), body: I.requestBody.invitation,
                                    note: I.requestBody.note)
        let forwarded = sends(try bob.forward(note: I.introducerNote, now: before, key: I.introducerKey, connectedToTarget: true))
        record(I.introducer, forwarded, at: before)
        guard case .introductionOffer(let offer) = forwarded[0].0 else { preconditionFailure("\(forwarded)") }
        let invitation = try Invitation(verifying: offer.invitation, receiver: I.target, now: before)
        var alice = InvitationRecipientMachine(received: invitation,
                                               introduction: try SignedIntroduction(verifying: offer.introduction, for: invitation.signed))
        _ = carol.forwardedReceived(from: I.introducer, now: before)

        let asked = sends(try alice.askContext("How do you know Bob, and what is the book about?", now: before + 1_000))
        record(I.target, asked, at: before + 1_000)
        let relayedQuestion = sends(bob.questionReceived(note: "How do you know Bob, and what is the book about?", from: I.target,
                                                         now: before + 2_000))
        record(I.introducer, relayedQuestion, at: before + 2_000)
        _ = carol.questionReceived(note: "How do you know Bob, and what is the book about?", from: I.introducer, now: before + 3_000)
        let replied = sends(try carol.reply("We worked together for three years; the book is a history of punched cards.", now: before + 3_000))
        record(I.requester, replied, at: before + 3_000)
        let relayedReply = sends(bob.replyReceived(note: "We worked together for three years; the book is a history of punched cards.",
                                                   from: I.requester, now: before + 4_000))
        record(I.introducer, relayedReply, at: before + 4_000)
        _ = alice.replyReceived(note: "We worked together for three years; the book is a history of punched cards.", from: I.introducer,
                                now: before + 5_000)

        let accepted = sends(try alice.accept(now: before + 60_000, key: I.targetKey, tellIntroducer: true))
        record(I.target, accepted, at: before + 60_000)
        let connection = try #require(alice.connection)
        #expect(carol.acceptanceReceived(connection, from: I.target, now: before + 61_000) == [.recordConnection(connection), .event(.connected)])
        #expect(bob.outcomeReceived(from: I.target, now: before + 61_000) == [.event(.accepted)])
        #expect(steps.count == 9, "request, offer, forwarded, question ×2, reply ×2, acceptance, outcome")
        return steps
    }
}
