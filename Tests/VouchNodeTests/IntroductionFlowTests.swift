import Foundation
import Testing
import VouchAdmin
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchStore
import VouchTestKit

/// The introduction flow's hostile and racing inputs at one node, in one process: raw clients
/// play the requester and the introducer and send exactly the bytes a test chooses
/// (Protocol/introductions.md). The node plays the introducer or the target.
@Suite("Introductions: receiving, forged notes, strangers, replays")
struct IntroductionFlowTests {
    typealias F = InvitationFlowTests
    static let toIntroducer = "Could you introduce me to her? I would like her advice on billing migrations."
    static let bobsNote = "Carol and I worked together for three years; you two should talk."

    /// A connection record between the node and `peer`, signed by both, as an accepted invitation leaves it.
    static func connect(_ node: TestNode, with peer: Ed25519PrivateKey) async throws {
        let body = try F.body(from: peer, to: node.id)
        let invitation = try Invitation(verifying: body)
        let connection = try Connection.accept(invitation.signed, accepted: Wire.now(), with: node.key)
        try await node.database.invitationTransaction { ledger in
            try ledger.record(connection, peer: NodeID(publicKey: peer.publicKey), cardVersion: 0, now: Wire.now())
        }
    }

    /// The requester's invitation for `target`, naming `introducer`, signed by `requester`.
    static func introducedInvitation(from requester: Ed25519PrivateKey, to target: NodeID, introducer: NodeID,
                                     id: InvitationID = .random(), note: String = F.note) throws -> InvitationBody {
        let created = Wire.now()
        let card = try ProfileDocument(version: 1, updatedAt: created / 1000, audience: .everyone, fields: [.name: "Carol Coder"],
                                       links: [], endpoints: [try Endpoint(host: "127.0.0.1", port: 9)]).signed(with: requester)
        return try Invitation.make(inviter: requester, id: id, invitee: target, relationship: .colleague, context: nil, introducer: introducer,
                                   note: note, card: card, created: created)
    }

    static func requestMessage(_ body: IntroductionRequestBody, to node: TestNode) -> WireMessage {
        Wire.message("introduction-request", to: node.id, body: body.value)
    }

    static func offerMessage(_ body: IntroductionOfferBody, to node: TestNode) -> WireMessage {
        Wire.message("introduction-offer", to: node.id, body: body.value)
    }

    static func requests(_ node: TestNode) throws -> [StoredIntroductionRequest] {
        try node.database.readInvitations { try $0.introductionRequests() }
    }

    @Test("as introducer: a connection's request is shown once however often it arrives; a stranger's is acked and dropped; one naming another introducer or signed by another key is refused")
    func requestsAtTheIntroducer() async throws {
        try await withNode { node in
            let carol = try await RawClient.handshaken(with: node)
            defer { Task { await carol.shutdown() } }
            let alice = NodeID(publicKey: try Ed25519PrivateKey().publicKey)

            // Not (yet) a connection: acked exactly like a shown request, and nothing is kept.
            let early = IntroductionRequestBody(invitation: try Self.introducedInvitation(from: carol.key, to: alice, introducer: node.id),
                                                note: Self.toIntroducer)
            #expect(try await F.answer(carol, Self.requestMessage(early, to: node)) == nil)
            #expect(try Self.requests(node).isEmpty)

            try await Self.connect(node, with: carol.key)
            let body = IntroductionRequestBody(invitation: try Self.introducedInvitation(from: carol.key, to: alice, introducer: node.id),
                                               note: Self.toIntroducer)
            #expect(try await F.answer(carol, Self.requestMessage(body, to: node)) == nil)
            #expect(try await F.answer(carol, Self.requestMessage(body, to: node)) == nil, "the same request again, in a new message")
            let stored = try Self.requests(node)
            #expect(stored.count == 1 && stored.first?.machine.state == .pending && stored.first?.machine.requesterNote == Self.toIntroducer)
            #expect(node.recorder.events("introduction.received").count == 1)

            // One connected client per case: the per-sender rate limit (5 at once) comes before these checks.
            let other = try Ed25519PrivateKey()
            let refused: [(String, (Ed25519PrivateKey) throws -> CBORValue)] = [
                ("naming another introducer", { key in IntroductionRequestBody(
                    invitation: try Self.introducedInvitation(from: key, to: alice, introducer: NodeID(publicKey: other.publicKey)),
                    note: Self.toIntroducer).value }),
                ("signed by another key than the sender's", { _ in IntroductionRequestBody(
                    invitation: try Self.introducedInvitation(from: other, to: alice, introducer: node.id), note: Self.toIntroducer).value }),
                ("a direct invitation (format 1) inside", { key in
                    IntroductionRequestBody(invitation: try F.body(from: key, to: alice), note: Self.toIntroducer).value }),
                ("a note to the introducer of spaces", { key in
                    let invitation = try Self.introducedInvitation(from: key, to: alice, introducer: node.id)
                    return .map(["invitation": invitation.value, "note": .text("   ")])
                }),
            ]
            for (what, make) in refused {
                let client = try await RawClient.handshaken(with: node)
                try await Self.connect(node, with: client.key)
                let message = Wire.message("introduction-request", to: node.id, body: try make(client.key))
                #expect(try await F.answer(client, message) == .invalidBody, "\(what)")
                await client.shutdown()
            }
            #expect(try Self.requests(node).count == 1)
        }
    }

    @Test("as target: an offer from a connection that names it is shown with the introducer's note; from a stranger it is dropped; a forged or altered note, another introducer, or a direct invitation in an offer is refused; a direct invitation naming an introducer is refused")
    func offersAtTheTarget() async throws {
        try await withNode { node in
            let bob = try await RawClient.handshaken(with: node)
            defer { Task { await bob.shutdown() } }
            let carol = try Ed25519PrivateKey(), carolID = NodeID(publicKey: try carol.publicKey)
            let bobID = NodeID(publicKey: bob.key.publicKey)

            func offer(note: String = Self.bobsNote, signer: Ed25519PrivateKey? = nil, introducer: NodeID? = nil) throws -> IntroductionOfferBody {
                let invitation = try Self.introducedInvitation(from: carol, to: node.id, introducer: introducer ?? bobID)
                let signed = try SignedInvitation(verifying: invitation.document)
                let payload = CBORValue.map(["invitation": .bytes(signed.digest), "note": .text(note), "created": .unsigned(Wire.now())])
                let envelope = try SignedEnvelope(signing: payload.encoded, type: .introduction, formatVersion: 1, with: signer ?? bob.key)
                return IntroductionOfferBody(invitation: invitation, introduction: envelope.encoded)
            }

            // Bob is not a connection yet: acked and dropped.
            #expect(try await F.answer(bob, Self.offerMessage(try offer(), to: node)) == nil)
            #expect(try F.received(node).isEmpty)

            try await Self.connect(node, with: bob.key)
            let good = try offer()
            #expect(try await F.answer(bob, Self.offerMessage(good, to: node)) == nil)
            #expect(try await F.answer(bob, Self.offerMessage(good, to: node)) == nil, "the same offer twice")
            let shown = try F.received(node)
            #expect(shown.count == 1)
            #expect(shown.first?.machine.introduction?.note == Self.bobsNote && shown.first?.machine.inviter == carolID)
            #expect(shown.first?.machine.counterpart == bobID)

            // The introducer's note altered after signing: the signature no longer holds. Each case
            // from a fresh connected introducer: the per-sender rate limit (5 at once) comes first.
            let other = try Ed25519PrivateKey()
            let refused: [(String, (Ed25519PrivateKey) throws -> IntroductionOfferBody)] = [
                ("an altered introducer note", { key in
                    var altered = try offer(signer: key, introducer: NodeID(publicKey: key.publicKey))
                    altered.introduction[altered.introduction.count - 70] ^= 1
                    return altered
                }),
                ("a note signed by someone else than the introducer", { key in
                    try offer(signer: other, introducer: NodeID(publicKey: key.publicKey)) }),
                ("an invitation naming another introducer than the sender", { key in
                    try offer(signer: key, introducer: NodeID(publicKey: other.publicKey)) }),
                ("the introducer's note over another invitation", { key in
                    IntroductionOfferBody(invitation: try offer(signer: key, introducer: NodeID(publicKey: key.publicKey)).invitation,
                                          introduction: try offer(signer: key, introducer: NodeID(publicKey: key.publicKey)).introduction) }),
                ("a direct invitation in an offer", { key in
                    IntroductionOfferBody(invitation: try F.body(from: carol, to: node.id),
                                          introduction: try offer(signer: key, introducer: NodeID(publicKey: key.publicKey)).introduction) }),
            ]
            for (what, make) in refused {
                let introducer = try await RawClient.handshaken(with: node)
                try await Self.connect(node, with: introducer.key)
                #expect(try await F.answer(introducer, Self.offerMessage(try make(introducer.key), to: node)) == .invalidBody, "\(what)")
                await introducer.shutdown()
            }
            // An introduced invitation comes in an offer from the introducer, never as a direct invitation.
            let direct = try Self.introducedInvitation(from: bob.key, to: node.id, introducer: carolID)
            #expect(try await F.answer(bob, F.message(direct, to: node)) == .invalidBody)
            #expect(try F.received(node).count == 1)
        }
    }

    @Test("as target: the policy applies to offers; `introduced` shows offers and drops direct invitations; already connected drops it")
    func policyOnOffers() async throws {
        try await withNode { node in
            let bob = try await RawClient.handshaken(with: node)
            defer { Task { await bob.shutdown() } }
            let bobID = NodeID(publicKey: bob.key.publicKey)
            try await Self.connect(node, with: bob.key)
            try await node.database.invitationTransaction { ledger in
                var policy = InvitationPolicy.default
                policy.whoMayInvite = .introduced
                try ledger.setPolicy(policy)
            }
            func offer(from requester: Ed25519PrivateKey) throws -> WireMessage {
                let invitation = try Self.introducedInvitation(from: requester, to: node.id, introducer: bobID)
                let introduction = try SignedIntroduction.make(for: try SignedInvitation(verifying: invitation.document), note: Self.bobsNote,
                                                               created: Wire.now(), with: bob.key)
                return Self.offerMessage(IntroductionOfferBody(invitation: invitation, introduction: introduction.envelope.encoded), to: node)
            }
            // Direct from a stranger: dropped under `introduced`. Through Bob: shown.
            let stranger = try await RawClient.handshaken(with: node)
            #expect(try await F.answer(stranger, F.message(try F.body(from: stranger.key, to: node.id), to: node)) == nil)
            await stranger.shutdown()
            #expect(try F.received(node).isEmpty)
            #expect(try await F.answer(bob, try offer(from: try Ed25519PrivateKey())) == nil)
            #expect(try F.received(node).count == 1)

            // Carol is already a connection: an introduction to her is dropped unseen.
            let carol = try Ed25519PrivateKey()
            try await Self.connect(node, with: carol)
            #expect(try await F.answer(bob, try offer(from: carol)) == nil)
            #expect(try F.received(node).count == 1)
        }
    }

    @Test("a withdrawal that overtakes what it withdraws (deliveries are not ordered) keeps it out of the inbox: a direct invitation, and a request at the introducer")
    func withdrawalBeforeWhatItWithdraws() async throws {
        try await withNode { node in
            let carol = try await RawClient.handshaken(with: node)
            defer { Task { await carol.shutdown() } }
            try await Self.connect(node, with: carol.key)

            let direct = try F.body(from: carol.key, to: node.id)
            let directID = try SignedInvitation(verifying: direct.document).terms.id
            #expect(try await F.answer(carol, Wire.message("invitation-withdrawal", to: node.id,
                                                            body: InvitationWithdrawalBody(invitation: directID).value)) == nil)
            #expect(try await F.answer(carol, F.message(direct, to: node)) == nil)
            #expect(try F.received(node).isEmpty, "the invitation came after its withdrawal")

            let alice = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
            let request = IntroductionRequestBody(invitation: try Self.introducedInvitation(from: carol.key, to: alice, introducer: node.id),
                                                  note: Self.toIntroducer)
            let reference = IntroductionReference(requester: NodeID(publicKey: carol.key.publicKey),
                                                  request: try SignedInvitation(verifying: request.invitation.document).terms.id)
            #expect(try await F.answer(carol, Wire.message("introduction-withdrawal", to: node.id,
                                                            body: IntroductionReferenceBody(reference).value)) == nil)
            #expect(try await F.answer(carol, Self.requestMessage(request, to: node)) == nil)
            #expect(try Self.requests(node).isEmpty, "the request came after its withdrawal")

            // Remembered until it could no longer arrive: a copy of the request stays out too.
            #expect(try await F.answer(carol, Self.requestMessage(request, to: node)) == nil)
            #expect(try Self.requests(node).isEmpty)
        }
    }
}
