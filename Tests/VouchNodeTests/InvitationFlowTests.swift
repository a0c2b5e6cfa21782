import Foundation
import Testing
import VouchAdmin
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchStore
import VouchTestKit

/// The receiving side of the invitation flow in one process: a raw client plays the inviter and
/// sends exactly the bytes a test chooses (Protocol/invitations.md §3.4, §5, §6, §7, §8).
@Suite("Invitations: receiving, races, crossing")
struct InvitationFlowTests {
    static let note = "We built the billing system together at Acme; let's stay in touch."

    /// An invitation body from `key` to `invitee`, signed over `note` (which need not be a valid note).
    /// The card names an endpoint where nothing answers, so what the node sends back stays queued.
    static func body(from key: Ed25519PrivateKey, to invitee: NodeID, note: String = note, id: InvitationID = .random(),
                     created: UInt64 = Wire.now(), lifetime: UInt64 = InvitationLimits.defaultLifetime) throws -> InvitationBody {
        let card = try ProfileDocument(version: 1, updatedAt: created / 1000, audience: .everyone, fields: [.name: "Bob Builder"],
                                       links: [], endpoints: [try Endpoint(host: "127.0.0.1", port: 9)]).signed(with: key)
        let salt = SecureRandom.bytes(NoteCommitment.saltByteCount)
        let terms = InvitationTerms(id: id, invitee: invitee, relationship: .colleague, context: "Acme, 2019–2021", created: created,
                                    expires: created + lifetime, noteDigest: NoteCommitment.digest(note: note, salt: salt))
        return InvitationBody(document: try terms.signed(with: key).encoded, note: note, salt: salt, card: card.encoded)
    }

    static func message(_ body: InvitationBody, to node: TestNode, id: MessageID = .random()) -> WireMessage {
        Wire.message("invitation", to: node.id, id: id, body: body.value)
    }

    static func received(_ node: TestNode) throws -> [StoredReceivedInvitation] {
        try node.database.readInvitations { try $0.receivedInvitations() }
    }

    /// Sends `message` and returns the reply's error code, nil for `ack`.
    static func answer(_ client: RawClient, _ message: WireMessage) async throws -> WireErrorCode? {
        try await client.send(message)
        let reply = try await client.reply(to: message.id)
        if reply.type == "ack" { return nil }
        return errorCode(of: reply)
    }

    @Test("the same invitation delivered twice, as the same message or a new one, is shown once and acked both times")
    func duplicateDelivery() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let body = try Self.body(from: client.key, to: node.id)
            let first = Self.message(body, to: node)
            #expect(try await Self.answer(client, first) == nil)
            #expect(try await Self.answer(client, first) == nil, "the same message again: acked, not processed")
            #expect(try await Self.answer(client, Self.message(body, to: node)) == nil, "a new message, the same invitation")
            let stored = try Self.received(node)
            #expect(stored.count == 1)
            #expect(stored.first?.machine.state == .pending && stored.first?.machine.invitation.note == Self.note)
            #expect(node.recorder.events("invitation.received").count == 1)
        }
    }

    @Test("refused with invalid-body and not stored: a note of spaces, another sender than the signer, another invitee, expired")
    func refusals() async throws {
        try await withNode { node in
            let other = try Ed25519PrivateKey()
            // One client per case: the per-sender rate limit (5 at once) comes before these checks.
            let cases: [(String, (Ed25519PrivateKey) throws -> InvitationBody)] = [
                ("a note of only spaces", { try Self.body(from: $0, to: node.id, note: "     ") }),
                ("an empty note", { try Self.body(from: $0, to: node.id, note: "") }),
                ("signed by another key than the TLS peer's", { _ in try Self.body(from: other, to: node.id) }),
                ("for another node", { try Self.body(from: $0, to: NodeID(publicKey: other.publicKey)) }),
                ("expired", { try Self.body(from: $0, to: node.id, created: Wire.now() - 2 * 86_400_000, lifetime: 86_400_000) }),
                ("dated a day ahead", { try Self.body(from: $0, to: node.id, created: Wire.now() + 86_400_000) }),
            ]
            for (what, make) in cases {
                let client = try await RawClient.handshaken(with: node)
                #expect(try await Self.answer(client, Self.message(try make(client.key), to: node)) == .invalidBody, "\(what)")
                await client.shutdown()
            }
            #expect(try Self.received(node).isEmpty)
        }
    }

    @Test("more than 5 invitations at once from one node are answered busy, before any other check")
    func rateLimitPerSender() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            for n in 1...5 {
                #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id), to: node)) == nil, "invitation \(n)")
            }
            #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id), to: node)) == .busy)
            #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id, note: ""), to: node)) == .busy,
                    "limited before the note is read")
            #expect(try Self.received(node).count == 1, "one shown; the other four dropped by the policy (inviter has one pending)")
        }
    }

    @Test("an invitation the policy drops (note too short, blocked sender, nobody may invite) is acked exactly like a shown one")
    func policyDropsLookLikeAcks() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id, note: "Hi, connect?"), to: node)) == nil)
            #expect(try Self.received(node).isEmpty, "a note under the 20-character minimum is dropped")

            try await node.database.invitationTransaction { try $0.block(NodeID(publicKey: client.key.publicKey), now: Wire.now()) }
            #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id), to: node)) == nil)
            #expect(try Self.received(node).isEmpty, "a blocked inviter's invitation is dropped")

            try await node.database.invitationTransaction { ledger in
                _ = try ledger.unblock(NodeID(publicKey: client.key.publicKey))
                var policy = InvitationPolicy.default
                policy.whoMayInvite = .nobody
                try ledger.setPolicy(policy)
            }
            #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id), to: node)) == nil)
            #expect(try Self.received(node).isEmpty, "nobody may invite")
            #expect(node.recorder.events("invitation.received").isEmpty)
        }
    }

    @Test("a decline cools the inviter down: a new invitation within 30 days is acked and dropped; the old one replayed changes nothing")
    func declineCooldownAndReplay() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let body = try Self.body(from: client.key, to: node.id)
            #expect(try await Self.answer(client, Self.message(body, to: node)) == nil)
            let handle = try #require(try Self.received(node).first?.handle)
            let router = node.runtime.adminRouter()
            let declined = try await router.call(InvitationAnswerRequest(command: .decline, handle: handle))
            #expect(declined.state == "declined")
            #expect(try node.database.outboxCount() == 0, "a decline sends nothing")

            #expect(try await Self.answer(client, Self.message(body, to: node)) == nil, "the old invitation replayed")
            #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id), to: node)) == nil)
            let stored = try Self.received(node)
            #expect(stored.count == 1 && stored.first?.machine.state == .declined)
        }
    }

    @Test("a withdrawal from another node than the inviter is refused; from the inviter it withdraws; accepting then is refused")
    func withdrawalAndAcceptAfterWithdraw() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let body = try Self.body(from: client.key, to: node.id)
            #expect(try await Self.answer(client, Self.message(body, to: node)) == nil)
            let stored = try #require(try Self.received(node).first)
            let id = stored.machine.invitation.terms.id
            let withdrawal = Wire.message("invitation-withdrawal", to: node.id, body: InvitationWithdrawalBody(invitation: id).value)
            #expect(try await Self.answer(client, withdrawal) == nil)
            #expect(try Self.received(node).first?.machine.state == .withdrawn)
            #expect(node.recorder.events("invitation.withdrawn").count == 1)
            await #expect(throws: AdminError(.invitationWithdrawn, "the inviter withdrew the invitation")) {
                _ = try await node.runtime.adminRouter().call(InvitationAnswerRequest(command: .accept, handle: stored.handle))
            }
            #expect(try node.database.readInvitations { try $0.connections() }.isEmpty)
        }
    }

    @Test("an acceptance signed by the wrong key, or of other terms, is refused; a removal of a connection not held is acked")
    func badAcceptanceAndUnknownRemoval() async throws {
        try await withNodes(1, profileName: "Alice Analyst") { nodes in
            let node = nodes[0]
            try Self.addEndpoint(node)
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let router = node.runtime.adminRouter()
            let clientID = NodeID(publicKey: client.key.publicKey)
            let address = NodeAddress(id: clientID, endpoint: try Endpoint(host: "127.0.0.1", port: 9))
            _ = try await router.call(InvitationSendRequest(address: address.description, note: Self.note, relationship: "friend", context: nil))
            let sent = try #require(try node.database.readInvitations { try $0.sentInvitations() }.first)

            // Signed by a third key (not the invitee) and delivered by the invitee: refused.
            let third = try Ed25519PrivateKey()
            let payload = CBORValue.map(["accepted": .unsigned(Wire.now()), "invitation": .bytes(sent.machine.invitation.bytes)])
            let forged = try SignedEnvelope(signing: payload.encoded, type: .acceptance, formatVersion: 1, with: third)
            let wrongKey = Wire.message("acceptance", to: node.id, body: SignedDocumentBody(document: forged.encoded).value)
            #expect(try await Self.answer(client, wrongKey) == .invalidBody)
            // A valid acceptance by the invitee of other terms under the same id: refused.
            let otherTerms = try SignedInvitation(verifying: try Self.body(from: node.key, to: clientID, id: sent.machine.invitation.terms.id).document)
            let other = try Connection.accept(otherTerms, accepted: Wire.now(), with: client.key)
            let wrongTerms = Wire.message("acceptance", to: node.id, body: SignedDocumentBody(document: other.record.encoded).value)
            #expect(try await Self.answer(client, wrongTerms) == .invalidBody)
            #expect(try node.database.readInvitations { try $0.connections() }.isEmpty)

            // The right one: connected; the same acceptance again changes nothing.
            let right = try Connection.accept(sent.machine.invitation, accepted: Wire.now(), with: client.key)
            let accept = Wire.message("acceptance", to: node.id, body: SignedDocumentBody(document: right.record.encoded).value)
            #expect(try await Self.answer(client, accept) == nil)
            #expect(try await Self.answer(client, Wire.message("acceptance", to: node.id, body: accept.body)) == nil)
            let held = try node.database.readInvitations { try $0.connections() }
            #expect(held.count == 1 && held.first?.connection.id == right.id)
            #expect(node.recorder.events("connection.made").count == 1)

            // A removal of a connection this node does not hold: acked, nothing changes.
            let elsewhere = try Connection.accept(otherTerms, accepted: Wire.now(), with: client.key)
            let removal = try ConnectionRemoval.sign(removing: elsewhere, at: Wire.now(), with: client.key)
            let remove = Wire.message("connection-removal", to: node.id, body: SignedDocumentBody(document: removal.envelope.encoded).value)
            #expect(try await Self.answer(client, remove) == nil)
            #expect(try node.database.readInvitations { try $0.connections() }.count == 1)
        }
    }

    @Test("both invite each other at once: the smaller key's invitation stands, the other is withdrawn, one connection results")
    func crossingInvitations() async throws {
        try await withNodes(2, profileName: "Someone") { nodes in
            let (small, large) = nodes[0].id < nodes[1].id ? (nodes[0], nodes[1]) : (nodes[1], nodes[0])
            for node in nodes { try Self.addEndpoint(node) }
            _ = try await small.runtime.adminRouter().call(InvitationSendRequest(address: large.address.description, note: Self.note,
                                                                                 relationship: "colleague", context: nil))
            _ = try await large.runtime.adminRouter().call(InvitationSendRequest(address: small.address.description, note: Self.note,
                                                                                 relationship: "colleague", context: nil))
            for node in nodes { node.startOutbox() }
            try await eventually("both outboxes to empty", timeout: .seconds(30)) {
                try small.database.outboxCount() == 0 && large.database.outboxCount() == 0
                    && (try large.database.readInvitations { try $0.sentInvitations() }.first?.machine.state == .withdrawn)
            }
            let standing = try Self.received(large)
            #expect(standing.count == 1 && standing.first?.crossing == true && standing.first?.machine.state == .pending)
            #expect(try Self.received(small).isEmpty, "the yielding invitation is dropped where it arrives")
            #expect(try small.database.readInvitations { try $0.sentInvitations() }.first?.machine.state == .pending)

            let handle = try #require(standing.first?.handle)
            _ = try await large.runtime.adminRouter().call(InvitationAnswerRequest(command: .accept, handle: handle))
            try await eventually("the connection on both nodes", timeout: .seconds(30)) {
                try small.database.readInvitations { try $0.connections() }.count == 1
            }
            let a = try small.database.readInvitations { try $0.connections() }
            let b = try large.database.readInvitations { try $0.connections() }
            #expect(a.count == 1 && b.count == 1 && a.first?.connection.record == b.first?.connection.record)
            #expect(a.first?.connection.inviter == small.id)
        }
    }

    @Test("accept after expiry is refused with invitation-expired and signs nothing; the inbox no longer lists it")
    func acceptAfterExpiry() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            // Long enough to arrive before it expires on a loaded machine; short enough to wait for.
            let body = try Self.body(from: client.key, to: node.id, lifetime: 8_000)
            #expect(try await Self.answer(client, Self.message(body, to: node)) == nil)
            let handle = try #require(try Self.received(node).first?.handle)
            let expires = try #require(try Self.received(node).first?.machine.invitation.terms.expires)
            try await eventually("the invitation to expire") { Wire.now() > expires }
            await #expect(throws: AdminError(.invitationExpired, "the invitation has expired")) {
                _ = try await node.runtime.adminRouter().call(InvitationAnswerRequest(command: .accept, handle: handle))
            }
            #expect(try node.database.readInvitations { try $0.connections() }.isEmpty)
            #expect(try node.database.outboxCount() == 0)
            // The tick records the expiry once, with its event.
            try await ConnectionTimer(runtime: node.runtime).runOnce()
            try await ConnectionTimer(runtime: node.runtime).runOnce()
            #expect(try Self.received(node).first?.machine.state == .expired)
            #expect(node.recorder.events("invitation.expired").count == 1)
            #expect(try await node.runtime.adminRouter().call(InboxRequest()).invitations.isEmpty)
            #expect(try await node.runtime.adminRouter().call(InboxRequest(all: true)).invitations.first?.state == "expired")
        }
    }

    @Test("a withdrawal that crossed our acceptance drops the connection we recorded; inviting someone whose invitation waits is refused")
    func withdrawalCrossesAcceptance() async throws {
        try await withNodes(1, profileName: "Alice Analyst") { nodes in
            let node = nodes[0]
            try Self.addEndpoint(node)
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            #expect(try await Self.answer(client, Self.message(try Self.body(from: client.key, to: node.id), to: node)) == nil)
            let stored = try #require(try Self.received(node).first)
            let router = node.runtime.adminRouter()
            let clientAddress = NodeAddress(id: NodeID(publicKey: client.key.publicKey), endpoint: try Endpoint(host: "127.0.0.1", port: 9))
            do {
                _ = try await router.call(InvitationSendRequest(address: clientAddress.description, note: Self.note, relationship: "friend", context: nil))
                Issue.record("inviting someone whose invitation waits in the inbox was not refused")
            } catch let error as AdminError {
                #expect(error.reason == .invitationPending && error.message.contains("vouch accept \(stored.handle)"), "\(error)")
            }
            #expect(try node.database.readInvitations { try $0.sentInvitations() }.isEmpty, "nothing was sent: accept theirs instead")

            let accepted = try await router.call(InvitationAnswerRequest(command: .accept, handle: stored.handle))
            #expect(accepted.state == "accepted" && accepted.connection != nil)
            #expect(try node.database.readInvitations { try $0.connections() }.count == 1)
            #expect(try node.database.outbox().map(\.type).contains(.acceptance))

            let withdrawal = Wire.message("invitation-withdrawal", to: node.id,
                                          body: InvitationWithdrawalBody(invitation: stored.machine.invitation.terms.id).value)
            #expect(try await Self.answer(client, withdrawal) == nil)
            #expect(try node.database.readInvitations { try $0.connections() }.isEmpty, "the withdrawal wins")
            #expect(try Self.received(node).first?.machine.state == .withdrawn)
            #expect(node.recorder.events("connection.removed").count == 1)
        }
    }

    @Test("invite refuses an empty profile, a profile without an endpoint (suggesting the node's own), and a blank note, and queues nothing")
    func inviteNeedsACardToAnswer() async throws {
        try await withNodes(2) { nodes in
            let (node, other) = (nodes[0], nodes[1])
            let router = node.runtime.adminRouter()
            func refusal(_ note: String = Self.note) async throws -> AdminError? {
                do {
                    _ = try await router.call(InvitationSendRequest(address: other.address.description, note: note, relationship: "colleague", context: nil))
                    return nil
                } catch let error as AdminError {
                    return error
                }
            }
            #expect(try await refusal()?.reason == .emptyProfile)
            try node.database.saveProfile(Profile(version: 1, updatedAt: 1, fields: [.name: .init(value: "Ada", audience: .everyone)]))
            let noEndpoint = try #require(try await refusal())
            #expect(noEndpoint.reason == .noEndpoint && noEndpoint.message.contains("127.0.0.1:\(node.port)"), "\(noEndpoint)")
            try Self.addEndpoint(node)
            #expect(try await refusal("  \n  ")?.reason == .invalidParams)
            #expect(try node.database.outboxCount() == 0)
            #expect(try await refusal() == nil)
            #expect(try node.database.outbox().map(\.type) == [.invitation])
        }
    }

    @Test("integers at their edges in an invitation, an acceptance and a removal are refused with invalid-body, never stored",
          arguments: [UInt64(1) << 53, UInt64(1) << 63, UInt64.max])
    func integerEdges(_ value: UInt64) async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let valid = try Self.body(from: client.key, to: node.id)
            let signed = try SignedInvitation(verifying: valid.document)
            // The terms with `created` (then `expires`) at the edge, signed as a writer must never sign them.
            for field in ["created", "expires"] {
                guard case .map(var terms) = signed.terms.payload else { preconditionFailure("terms are a map") }
                terms[field] = .unsigned(value)
                let document = try SignedEnvelope(signing: CBORValue.map(terms).encoded, type: .invitation, formatVersion: 1, with: client.key)
                let body = InvitationBody(document: document.encoded, note: valid.note, salt: valid.salt, card: valid.card)
                #expect(try await Self.answer(client, Self.message(body, to: node)) == .invalidBody, "\(field) = \(value)")
            }
            let acceptance = try SignedEnvelope(signing: CBORValue.map(["accepted": .unsigned(value), "invitation": .bytes(signed.bytes)]).encoded,
                                                type: .acceptance, formatVersion: 1, with: client.key)
            #expect(try await Self.answer(client, Wire.message("acceptance", to: node.id,
                                                                body: SignedDocumentBody(document: acceptance.encoded).value)) == .invalidBody)
            let removal = try SignedEnvelope(signing: CBORValue.map(["connection": .bytes([UInt8](repeating: 1, count: 32)), "removed": .unsigned(value)]).encoded,
                                             type: .connectionRemoval, formatVersion: 1, with: client.key)
            #expect(try await Self.answer(client, Wire.message("connection-removal", to: node.id,
                                                                body: SignedDocumentBody(document: removal.encoded).value)) == .invalidBody)
            #expect(try Self.received(node).isEmpty)
            #expect(try node.database.readInvitations { try $0.connections() }.isEmpty)
        }
    }

    /// Gives `node`'s profile its listening endpoint, which an invitation's card must carry.
    static func addEndpoint(_ node: TestNode) throws {
        var profile = try node.database.profile()
        profile.version += 1
        profile.endpoints = [node.address.endpoint]
        try node.database.saveProfile(profile)
    }
}
