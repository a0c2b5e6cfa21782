public import VouchCrypto
public import VouchProtocol

/// Validly signed messages of the invitation flow (Protocol/invitations.md) as a node receives
/// them, for the structure-aware target that drives them through the node's inbound path: an
/// invitation, a context question and reply, a withdrawal, an acceptance (the co-signed
/// connection record) and a removal, each signed by a key of the peer pool (`peers`), with values
/// from the edges (`EdgeValues`).
///
/// One input is a short scenario: a few messages that build on each other (a reply names an
/// invitation sent earlier in the scenario, an acceptance co-signs an invitation the node sent,
/// a removal names that acceptance's record), so that the later steps reach the node's state
/// machines and store instead of stopping at "unknown invitation". A zero choice is the valid
/// one everywhere, so an empty input is one invitation that the node stores; the rarer choices
/// break one rule each: a wrong signer, an invitation to its own signer, a sender that is not
/// the TLS peer, an expired or future-dated invitation, an invalid relationship, a note or
/// context at or over its limit or from any Unicode category, a bad signature, a missing or
/// unknown member.
public enum InvitationFlowGenerator {
    /// A peer of the pool: its key, and its signed profile view for everyone, made once (signing
    /// is the cost of a structure-aware input; the card is not what these inputs vary).
    public struct Peer: Sendable {
        public let key: Ed25519PrivateKey
        public let id: NodeID
        public let card: [UInt8]
    }

    /// Sixteen peers: the RFC 8032 sender first, then keys from fixed seeds. Each card names an
    /// endpoint, so the node learns where the inviter is and could answer it.
    public static let peers: [Peer] = ([FuzzKeys.sender] + (1...15).map { n in
        try! Ed25519PrivateKey(seed: [UInt8](repeating: 0x40 &+ UInt8(n), count: 32))
    }).enumerated().map { n, key in
        let profile = ProfileDocument(version: 1, updatedAt: 1_700_000_000, audience: .everyone,
                                      fields: [.name: "Fuzz Peer \(n)", .headline: "Tests the invitation flow"], links: [],
                                      endpoints: [try! Endpoint(host: "127.0.0.1", port: UInt16(7401 + n))])
        return Peer(key: key, id: NodeID(publicKey: key.publicKey), card: try! profile.signed(with: key).encoded)
    }

    /// An invitation the node itself sent (signed with its key) before the scenario's messages
    /// arrive: what a question or an acceptance names. The driver puts it in the node's store.
    public struct SentInvitation: Sendable {
        public let invitation: SignedInvitation
        public let note: String
    }

    /// One message as the node receives it: from `peer` (the TLS peer), the encoded message.
    public struct Step: Sendable {
        public let peer: NodeID
        public let type: WireMessageType
        public let frame: [UInt8]
    }

    public struct Scenario: Sendable {
        public var sent: [SentInvitation] = []
        public var steps: [Step] = []
    }

    /// The note of a valid invitation: longer than the default policy's minimum (20 characters
    /// that are not white space), so that the owner's policy shows it.
    public static let validNote = "We built the billing system together at Acme; let's stay in touch."
    public static let validContext = "Acme billing team, 2019\u{2013}2021"

    /// A scenario of one to four messages to the node whose key is `node`, at `now` (Unix ms).
    /// `serial` makes the message and invitation IDs of this scenario new to the node: the
    /// driver passes a number it never passed before.
    public static func scenario(_ input: inout FuzzInput, node: Ed25519PrivateKey, nowMilliseconds now: UInt64, serial: UInt64) -> Scenario {
        var builder = Builder(node: node, nodeID: NodeID(publicKey: node.publicKey), now: now, serial: serial)
        for _ in 0..<(1 + input.index(below: 4)) {
            builder.step(&input)
        }
        return builder.scenario
    }

    struct Builder {
        let node: Ed25519PrivateKey
        let nodeID: NodeID
        let now: UInt64
        let serial: UInt64
        var scenario = Scenario()
        /// Invitations to the node made so far in this scenario: (inviter's pool index, id).
        var received: [(inviter: Int, id: [UInt8])] = []
        /// The node's sent invitations so far: (invitee's pool index, invitation).
        var sent: [(invitee: Int, invitation: SignedInvitation)] = []
        /// Acceptances made so far: (invitee's pool index, the record's id).
        var records: [(invitee: Int, id: [UInt8])] = []
        var counter: UInt8 = 0

        /// 16 bytes no other scenario uses: a tag, a counter in the scenario, the serial.
        mutating func fresh(_ tag: UInt8) -> [UInt8] {
            counter &+= 1
            return [tag, counter] + [UInt8](repeating: 0, count: 6) + withUnsafeBytes(of: serial.bigEndian, Array.init)
        }

        mutating func step(_ input: inout FuzzInput) {
            switch input.index(below: 6) {
            case 0: invitation(&input)
            case 1: inviterNote(&input, type: .invitationReply)
            case 2: inviterNote(&input, type: .invitationWithdrawal)
            case 3: question(&input)
            case 4: acceptance(&input)
            default: removal(&input)
            }
        }

        /// A pool index; the last peer is the one the driver blocks.
        func peerIndex(_ input: inout FuzzInput) -> Int { input.index(below: peers.count) }

        /// The peer that delivers a document signed by `signer`: itself, now and then another.
        func deliverer(_ input: inout FuzzInput, signer: Int) -> NodeID {
            input.chance(5) ? peers[peerIndex(&input)].id : peers[signer].id
        }

        mutating func add(_ input: inout FuzzInput, type: WireMessageType, from peer: NodeID, body: CBORValue) {
            var body = body
            if input.chance(3), case .map(var members) = body {
                if input.chance(50) {
                    members.removeValue(forKey: input.pick(Array(members.keys).sorted()))
                } else {
                    members[input.chance(50) ? input.text(limit: 12) : input.pick(Array(members.keys).sorted())] = CBORValueGenerator.value(&input)
                }
                body = .map(members)
            }
            let frame = InboundMessageGenerator.frame(&input, type: type.rawValue, recipient: nodeID, freshID: fresh(0xF1),
                                                      nowMilliseconds: now, headerEdges: .rarely) { _ in body }
            scenario.steps.append(Step(peer: peer, type: type, frame: frame))
        }

        /// A note of the flow: mostly a valid one, else any text at, under or over the limit.
        func note(_ input: inout FuzzInput) -> String {
            input.chance(30) ? input.text(limit: InvitationText.noteMaximumBytes) : validNote
        }

        /// A Unix ms time: mostly `usual`, else an edge value or the edge of a limit around `near`.
        func time(_ input: inout FuzzInput, usual: UInt64, near: UInt64) -> UInt64 {
            switch input.index(below: 16) {
            case 13: return input.uint64()
            case 14: return near &+ InvitationLimits.maximumClockSkew &+ UInt64(input.index(below: 3)) &- 1
            case 15: return near &- UInt64(input.index(below: 3))
            default: return usual
            }
        }

        /// An invitation ID: a new one, or one from a small set (duplicates), or any bytes.
        mutating func invitationID(_ input: inout FuzzInput) -> [UInt8] {
            if input.chance(3) { return input.rawBytes(maximum: 17) }
            if input.chance(5) { return [UInt8](repeating: input.byte() & 0x03, count: InvitationID.byteCount) }
            return fresh(0xA1)
        }

        /// A map with a member removed, a member of another type or an unknown member, now and then.
        func shaken(_ input: inout FuzzInput, _ members: [String: CBORValue]) -> CBORValue {
            var members = members
            if input.chance(3) { members.removeValue(forKey: input.pick(Array(members.keys).sorted())) }
            if input.chance(3) { members[input.pick(Array(members.keys).sorted())] = CBORValueGenerator.value(&input) }
            if input.chance(2) { members[input.text(limit: 12)] = CBORValueGenerator.value(&input) }
            return .map(members)
        }

        func signed(_ input: inout FuzzInput, _ type: DocumentType, payload: CBORValue, key: Ed25519PrivateKey) -> [UInt8] {
            let name = input.chance(3) ? input.pick(DocumentType.known.map(\.name) + ["", "vouch.invitation\u{0}"]) : type.name
            let format: UInt64 = input.chance(3) ? input.uint64() : 1
            let bytes = input.chance(2) ? input.rawBytes(maximum: 64) : payload.encoded
            return SignedDocumentGenerator.envelope(&input, type: name, format: format, payload: bytes, key: key)
        }

        /// `invitation`: a pool peer invites the node (§3).
        mutating func invitation(_ input: inout FuzzInput) {
            let inviter = peerIndex(&input)
            let signer = input.chance(5) ? peerIndex(&input) : inviter
            var invitee = nodeID.rawRepresentation
            if input.chance(5) { invitee = peers[signer].id.rawRepresentation }  // to its own signer
            if input.chance(3) { invitee = peers[peerIndex(&input)].id.rawRepresentation }
            if input.chance(2) { invitee = input.rawBytes(maximum: 33) }
            let id = invitationID(&input)
            let relationship = input.chance(10) ? input.text(limit: 32) : input.pick(Relationship.allCases).rawValue
            let context: String? = switch input.index(below: 4) {
            case 0: nil
            case 1: validContext
            default: input.text(limit: InvitationText.contextMaximumBytes)
            }
            let created = time(&input, usual: now - UInt64(input.index(below: 1000)), near: now)
            let lifetime = input.chance(10)
                ? InvitationLimits.maximumLifetime &+ UInt64(input.index(below: 3)) &- 1
                : InvitationLimits.defaultLifetime
            var expires = time(&input, usual: created &+ lifetime, near: now)
            if input.chance(3) { expires = created }
            let note = note(&input)
            let salt = input.chance(3) ? input.rawBytes(maximum: 17) : [UInt8](repeating: input.byte(), count: NoteCommitment.saltByteCount)
            let digest = NoteCommitment.digest(note: input.chance(3) ? note + " " : note, salt: salt)
            var terms: [String: CBORValue] = [
                "id": .bytes(id), "invitee": .bytes(invitee), "relationship": .text(relationship),
                "created": .unsigned(created), "expires": .unsigned(expires), "note_digest": .bytes(digest),
            ]
            if let context { terms["context"] = .text(context) }
            let document = signed(&input, .invitation, payload: shaken(&input, terms), key: peers[signer].key)
            let card = input.chance(10) ? SignedDocumentGenerator.profileEnvelope(&input)
                : input.chance(3) ? peers[peerIndex(&input)].card : peers[inviter].card
            received.append((inviter, id))
            add(&input, type: .invitation, from: deliverer(&input, signer: inviter),
                body: .map(["document": .bytes(document), "note": .text(note), "salt": .bytes(salt), "card": .bytes(card)]))
        }

        /// `invitation-reply` or `invitation-withdrawal`: the inviter of an invitation in this scenario (made first if none).
        mutating func inviterNote(_ input: inout FuzzInput, type: WireMessageType) {
            if received.isEmpty { invitation(&input) }
            let (inviter, id) = received[input.index(below: received.count)]
            let named = input.chance(5) ? invitationID(&input) : id
            var body: [String: CBORValue] = ["invitation": .bytes(named)]
            if type == .invitationReply { body["note"] = .text(note(&input)) }
            add(&input, type: type, from: deliverer(&input, signer: inviter), body: .map(body))
        }

        /// An invitation the node sent to a pool peer (valid: the node's own), for a question or an acceptance.
        mutating func nodeSent(_ input: inout FuzzInput) -> (invitee: Int, invitation: SignedInvitation) {
            if !sent.isEmpty, !input.chance(20) { return sent[input.index(below: sent.count)] }
            let invitee = peerIndex(&input)
            // Already expired now and then: an acceptance of it must be dated before the expiry.
            let created = input.chance(10) ? now - InvitationLimits.defaultLifetime - 1 : now - 1_000
            let terms = InvitationTerms(id: try! InvitationID(bytes: fresh(0xA2)), invitee: peers[invitee].id,
                                        relationship: input.pick(Relationship.allCases), context: validContext, created: created,
                                        expires: created + InvitationLimits.defaultLifetime,
                                        noteDigest: NoteCommitment.digest(note: validNote, salt: [UInt8](repeating: 0, count: 16)))
            let invitation = try! SignedInvitation(verifying: try! terms.signed(with: node).encoded)
            scenario.sent.append(SentInvitation(invitation: invitation, note: validNote))
            sent.append((invitee, invitation))
            return (invitee, invitation)
        }

        /// `invitation-question`: the invitee of one of the node's invitations asks for context.
        mutating func question(_ input: inout FuzzInput) {
            let (invitee, invitation) = nodeSent(&input)
            let named = input.chance(5) ? invitationID(&input) : invitation.terms.id.bytes
            add(&input, type: .invitationQuestion, from: deliverer(&input, signer: invitee),
                body: .map(["invitation": .bytes(named), "note": .text(note(&input))]))
        }

        /// `acceptance`: the invitee co-signs one of the node's invitations (§4), or now and then
        /// another inviter's, or bytes that are not an invitation.
        mutating func acceptance(_ input: inout FuzzInput) {
            let (invitee, invitation) = nodeSent(&input)
            var accepter = invitee
            if input.chance(5) { accepter = peerIndex(&input) }  // the wrong key
            var embedded = invitation.bytes
            if input.chance(3) {
                // Another inviter's invitation to the accepter: refused as not this node's.
                let other = (invitee + 1) % peers.count
                let terms = InvitationTerms(id: try! InvitationID(bytes: fresh(0xA3)), invitee: peers[invitee].id, relationship: .colleague,
                                            context: nil, created: now - 1_000, expires: now + InvitationLimits.defaultLifetime,
                                            noteDigest: [UInt8](repeating: 7, count: 32))
                embedded = try! terms.signed(with: peers[other].key).encoded
            }
            if input.chance(2) { embedded[input.index(below: embedded.count)] ^= UInt8(1) << UInt8(input.index(below: 8)) }
            let usual = min(now, invitation.terms.expires - 1)
            let accepted: UInt64 = switch input.index(below: 12) {
            case 9: input.uint64()
            case 10: invitation.terms.expires &+ UInt64(input.index(below: 3)) &- 1
            case 11: invitation.terms.created &- InvitationLimits.maximumClockSkew &- UInt64(input.index(below: 3))
            default: usual
            }
            let document = signed(&input, .acceptance, payload: shaken(&input, ["accepted": .unsigned(accepted), "invitation": .bytes(embedded)]),
                                  key: peers[accepter].key)
            records.append((invitee, SHA256.hash(document)))
            add(&input, type: .acceptance, from: deliverer(&input, signer: accepter), body: .map(["document": .bytes(document)]))
        }

        /// `connection-removal`: a side of a connection made in this scenario (made first if none) ends it.
        mutating func removal(_ input: inout FuzzInput) {
            if records.isEmpty { acceptance(&input) }
            let (invitee, id) = records[input.index(below: records.count)]
            let signer = input.chance(5) ? peerIndex(&input) : invitee
            let named = input.chance(5) ? input.rawBytes(maximum: 33) : id
            let removed = time(&input, usual: now, near: now)
            let document = signed(&input, .connectionRemoval, payload: shaken(&input, ["connection": .bytes(named), "removed": .unsigned(removed)]),
                                  key: peers[signer].key)
            add(&input, type: .connectionRemoval, from: deliverer(&input, signer: signer), body: .map(["document": .bytes(document)]))
        }
    }
}
