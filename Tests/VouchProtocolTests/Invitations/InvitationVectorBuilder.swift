import Testing
import VouchCrypto
@testable import VouchProtocol

/// Protocol/vectors/invitations.json (Protocol/invitations.md): invitations, acceptances and
/// removals valid and refused, the flow's message bodies, both lifecycle tables, the recipient
/// policy and the crossing rule, computed by the code from fixed inputs. As in the other
/// builders, every case names the outcome it is meant to show and the builder checks it.
extension VectorBuilder {
    typealias F = InvitationFixtures

    static func invitationBodyJSON(_ body: InvitationBody) -> JSONVectorValue {
        ["document_hex": hexValue(body.document), "note": .string(body.note), "salt_hex": hexValue(body.salt), "card_hex": hexValue(body.card)]
    }

    static func termsJSON(_ terms: InvitationTerms) -> JSONVectorValue {
        var members: [String: JSONVectorValue] = [
            "id": hexValue(terms.id.bytes), "invitee": hexValue(terms.invitee.rawRepresentation),
            "relationship": .string(terms.relationship.rawValue), "created": .number(terms.created), "expires": .number(terms.expires),
            "note_digest": hexValue(terms.noteDigest),
        ]
        if let context = terms.context { members["context"] = .string(context) }
        return .object(members)
    }

    static func invitations() throws -> JSONVectorValue {
        var keys: [String: JSONVectorValue] = [:]
        for (name, seed) in [("inviter", FixedKeys.seed1), ("invitee", FixedKeys.seed2), ("third", FixedKeys.seed3)] {
            keys[name] = ["seed": hexValue(seed), "public_key": hexValue(FixedKeys.key(seed).publicKey.rawRepresentation)]
        }
        let now = F.created + 1_000
        let receiver = F.invitee
        let max = ProtocolInteger.maximum
        let day: UInt64 = 24 * 3_600_000

        // MARK: invitations

        let validBodies: [(String, InvitationBody, UInt64)] = [
            ("met at an event, with context", F.body(), now),
            ("a colleague, no context, a note with a newline and non-ASCII text",
             F.body(relationship: .colleague, context: nil, note: "Bonjour Ada,\nnous avons travaillé ensemble chez Acme \u{2014} 2019\u{2013}2021."), now),
            ("other, with the context it requires", F.body(relationship: .other, context: "we sing in the same choir"), now),
            ("a note of exactly 1000 bytes (500 two-byte characters)", F.body(note: String(repeating: "\u{00E9}", count: 500)), now),
            ("a context of exactly 500 bytes", F.body(context: String(repeating: "c", count: 500)), now),
            ("the longest lifetime, 30 days, read 1 ms before it ends", F.body(lifetime: InvitationLimits.maximumLifetime),
             F.created + InvitationLimits.maximumLifetime - 1),
            ("created 5 minutes ahead of the receiver's clock (the tolerated skew)", F.body(created: now + InvitationLimits.maximumClockSkew), now),
            ("created 0: the smallest time", F.body(created: 0, lifetime: day), 1),
            ("expires 2^53 - 1: the largest protocol integer", F.body(created: max - day, lifetime: day), max - 1),
        ]
        var validInvitations: [JSONVectorValue] = []
        for (what, body, at) in validBodies {
            let invitation = try Invitation(verifying: body, receiver: receiver, now: at)
            validInvitations.append([
                "description": .string(what), "body": invitationBodyJSON(body), "receiver": hexValue(receiver.rawRepresentation),
                "now": .number(at), "terms": termsJSON(invitation.terms), "payload_hex": hexValue(invitation.signed.envelope.payload),
                "signer": "inviter", "result": checked("ok", what) { _ = try Invitation(verifying: body, receiver: receiver, now: at) },
            ])
        }

        let good = F.body()
        func replacing(note: String? = nil, salt: [UInt8]? = nil, card: [UInt8]? = nil, document: [UInt8]? = nil) -> InvitationBody {
            InvitationBody(document: document ?? good.document, note: note ?? good.note, salt: salt ?? good.salt, card: card ?? good.card)
        }
        /// A note the inviter really committed to, however bad: the note rule, not the digest, must refuse it.
        func committed(_ note: String) -> InvitationBody {
            F.edited { $0["note_digest"] = .bytes(NoteCommitment.digest(note: note, salt: F.salt)) }.with(note: note)
        }
        let connectionsCard = try ProfileTests.sampleProfile().document(for: .connections).signed(with: F.inviterKey)
        let thirdCard = try ProfileTests.sampleProfile().document(for: .everyone).signed(with: F.thirdKey)
        var otherDocument = F.termsFields
        otherDocument["id"] = .bytes([UInt8](repeating: 0x22, count: 16))
        let invalidCases: [(String, InvitationBody, NodeID, UInt64, String)] = [
            // the envelope and its type
            ("the document signed by another key than it names", replacing(document: {
                var d = good.document; d[d.count - 1] ^= 1; return d }()), receiver, now, "bad-signature"),
            ("a profile document instead of an invitation", replacing(document: good.card), receiver, now, "unexpected-document-type"),
            ("an acceptance document instead of an invitation",
             replacing(document: F.connection().record.encoded), receiver, now, "unexpected-document-type"),
            // the terms
            ("no note_digest", F.edited { $0["note_digest"] = nil }, receiver, now, "missing-field"),
            ("no relationship", F.edited { $0["relationship"] = nil }, receiver, now, "missing-field"),
            ("no id", F.edited { $0["id"] = nil }, receiver, now, "missing-field"),
            ("no invitee", F.edited { $0["invitee"] = nil }, receiver, now, "missing-field"),
            ("no created", F.edited { $0["created"] = nil }, receiver, now, "missing-field"),
            ("no expires", F.edited { $0["expires"] = nil }, receiver, now, "missing-field"),
            ("relationship other without context", F.edited { $0["relationship"] = .text("other"); $0["context"] = nil },
             receiver, now, "missing-field"),
            ("an unknown field (a format 1 reader refuses introduced_by)",
             F.edited { $0["introduced_by"] = .bytes(F.third.rawRepresentation) }, receiver, now, "unknown-field"),
            ("an unknown relationship", F.edited { $0["relationship"] = .text("acquaintance") }, receiver, now, "invalid-value"),
            ("a relationship in the wrong case", F.edited { $0["relationship"] = .text("Colleague") }, receiver, now, "invalid-value"),
            ("relationship as an integer", F.edited { $0["relationship"] = .unsigned(1) }, receiver, now, "wrong-type"),
            ("an id of 15 bytes", F.edited { $0["id"] = .bytes([UInt8](repeating: 1, count: 15)) }, receiver, now, "invalid-value"),
            ("an invitee of 31 bytes", F.edited { $0["invitee"] = .bytes(Array(receiver.rawRepresentation.dropLast())) },
             receiver, now, "invalid-value"),
            ("an invitee that is a small-order point", F.edited { $0["invitee"] = .bytes(FixedKeys.identityPoint) }, receiver, now, "weak-key"),
            ("an empty context", F.edited { $0["context"] = .text("") }, receiver, now, "invalid-value"),
            ("a context of white space only", F.edited { $0["context"] = .text(" \u{3000} ") }, receiver, now, "invalid-value"),
            ("a context of 501 bytes", F.edited { $0["context"] = .text(String(repeating: "c", count: 501)) }, receiver, now, "field-too-long"),
            ("a newline in the context", F.edited { $0["context"] = .text("line\nbreak") }, receiver, now, "invalid-text"),
            ("created 2^53", F.edited { $0["created"] = .unsigned(1 << 53) }, receiver, now, "out-of-range"),
            ("created 2^63", F.edited { $0["created"] = .unsigned(1 << 63) }, receiver, now, "out-of-range"),
            ("expires 2^64 - 1", F.edited { $0["expires"] = .unsigned(.max) }, receiver, now, "out-of-range"),
            ("expires 2^53", F.edited { $0["expires"] = .unsigned(1 << 53) }, receiver, now, "out-of-range"),
            ("created as text", F.edited { $0["created"] = .text("1700000000000") }, receiver, now, "wrong-type"),
            ("expires equal to created", F.edited { $0["expires"] = .unsigned(F.created) }, receiver, now, "invalid-value"),
            ("expires before created", F.edited { $0["expires"] = .unsigned(F.created - 1) }, receiver, now, "invalid-value"),
            ("created 0 and expires 0", F.edited { $0["created"] = .unsigned(0); $0["expires"] = .unsigned(0) }, receiver, now, "invalid-value"),
            ("a lifetime of 30 days and 1 ms", F.edited { $0["expires"] = .unsigned(F.created + InvitationLimits.maximumLifetime + 1) },
             receiver, now, "invalid-value"),
            ("a note_digest of 31 bytes", F.edited { $0["note_digest"] = .bytes([UInt8](repeating: 0, count: 31)) }, receiver, now, "invalid-value"),
            // who
            ("an invitation to oneself (invitee = signer)", F.edited(key: F.inviteeKey) { _ in }, receiver, now, "self-invitation"),
            // the note
            ("the note changed after signing", replacing(note: good.note + "!"), receiver, now, "bad-signature"),
            ("another salt", replacing(salt: [UInt8](repeating: 0x5B, count: 16)), receiver, now, "bad-signature"),
            ("an empty note (committed as such)", committed(""), receiver, now, "invalid-value"),
            ("a note of only spaces", committed("     "), receiver, now, "invalid-value"),
            ("a note of only white space: tab-free spaces, a newline, an ideographic space", committed(" \n\u{3000} "), receiver, now, "invalid-value"),
            ("a note of 1001 bytes", committed(String(repeating: "n", count: 1001)), receiver, now, "field-too-long"),
            ("a tab in the note", committed("hello\tthere"), receiver, now, "invalid-text"),
            ("a CR in the note", committed("hello\r\nthere"), receiver, now, "invalid-text"),
            ("a right-to-left override in the note", committed("hello \u{202E}ereht"), receiver, now, "invalid-text"),
            // the card
            ("a card that does not verify", replacing(card: { var c = good.card; c[c.count - 1] ^= 1; return c }()), receiver, now, "bad-signature"),
            ("a card signed by a third node", replacing(card: thirdCard.encoded), receiver, now, "signer-mismatch"),
            ("the inviter's connections view as the card", replacing(card: connectionsCard.encoded), receiver, now, "invalid-value"),
            ("an invitation in place of the card", replacing(card: F.edited { $0["id"] = .bytes([UInt8](repeating: 0x33, count: 16)) }.document),
             receiver, now, "unexpected-document-type"),
            // the receiver and the time
            ("for another node", good, F.third, now, "wrong-recipient"),
            ("for another node and expired: the recipient is checked first", good, F.third, F.expires, "wrong-recipient"),
            ("created 5 minutes and 1 ms ahead of the receiver's clock", F.body(created: now + InvitationLimits.maximumClockSkew + 1),
             receiver, now, "clock-skew"),
            ("expires exactly now", good, receiver, F.expires, "expired"),
            ("expired a day ago", good, receiver, F.expires + day, "expired"),
        ]
        let invalidInvitations: [JSONVectorValue] = invalidCases.map { what, body, to, at, code in
            ["description": .string(what), "body": invitationBodyJSON(body), "receiver": hexValue(to.rawRepresentation), "now": .number(at),
             "error": checked(code, what) { _ = try Invitation(verifying: body, receiver: to, now: at) }]
        }

        // MARK: acceptances

        let invitation = F.invitation
        let acceptedTimes: [(String, UInt64)] = [
            ("accepted a minute after the invitation was made", F.created + 60_000),
            ("accepted 1 ms before the invitation expires", F.expires - 1),
            ("accepted 5 minutes before the invitation's created (the clocks differ)", F.created - InvitationLimits.maximumClockSkew),
        ]
        var validAcceptances: [JSONVectorValue] = []
        for (what, accepted) in acceptedTimes {
            let connection = try Connection.accept(invitation.signed, accepted: accepted, with: F.inviteeKey)
            validAcceptances.append([
                "description": .string(what), "accepted": .number(accepted), "payload_hex": hexValue(connection.record.payload),
                "envelope_hex": hexValue(connection.record.encoded), "invitation_hex": hexValue(invitation.signed.bytes),
                "signer": "invitee", "inviter": hexValue(connection.inviter.rawRepresentation),
                "invitee": hexValue(connection.invitee.rawRepresentation), "since": .number(connection.since),
                "relationship": .string(connection.relationship.rawValue),
                "relationship_seen_by_invitee": .string(connection.relationship(seenBy: F.invitee)!.rawValue),
                "connection_id": hexValue(connection.id),
                "result": checked("ok", what) { _ = try Connection(verifying: connection.record.encoded) },
            ])
        }
        func acceptance(_ payload: [String: CBORValue], key: Ed25519PrivateKey = F.inviteeKey, type: DocumentType = .acceptance) -> [UInt8] {
            F.signRaw(.map(payload), type: type, key: key)
        }
        let inv = CBORValue.bytes(invitation.signed.bytes)
        let mentor = try! Invitation(verifying: F.body(relationship: .mentor))
        var tamperedInvitation = invitation.signed.bytes
        tamperedInvitation[tamperedInvitation.count - 1] ^= 1
        let invalidAcceptanceCases: [(String, [UInt8], String)] = [
            ("signed by the inviter instead of the invitee", acceptance(["accepted": .unsigned(F.created + 1), "invitation": inv], key: F.inviterKey),
             "signer-mismatch"),
            ("signed by a third node", acceptance(["accepted": .unsigned(F.created + 1), "invitation": inv], key: F.thirdKey), "signer-mismatch"),
            ("accepted exactly when the invitation expires", acceptance(["accepted": .unsigned(F.expires), "invitation": inv]), "expired"),
            ("accepted a day after the invitation expired", acceptance(["accepted": .unsigned(F.expires + day), "invitation": inv]), "expired"),
            ("accepted more than 5 minutes before the invitation was made",
             acceptance(["accepted": .unsigned(F.created - InvitationLimits.maximumClockSkew - 1), "invitation": inv]), "invalid-value"),
            ("accepted 2^53", acceptance(["accepted": .unsigned(1 << 53), "invitation": inv]), "out-of-range"),
            ("accepted 2^64 - 1", acceptance(["accepted": .unsigned(.max), "invitation": inv]), "out-of-range"),
            ("no accepted", acceptance(["invitation": inv]), "missing-field"),
            ("no invitation", acceptance(["accepted": .unsigned(F.created + 1)]), "missing-field"),
            ("an extra field (a card belongs in a card message)",
             acceptance(["accepted": .unsigned(F.created + 1), "invitation": inv, "card": .bytes(good.card)]), "unknown-field"),
            ("the embedded invitation changed by one byte", acceptance(["accepted": .unsigned(F.created + 1), "invitation": .bytes(tamperedInvitation)]),
             "bad-signature"),
            ("a profile embedded instead of an invitation",
             acceptance(["accepted": .unsigned(F.created + 1), "invitation": .bytes(good.card)]), "unexpected-document-type"),
            ("an invitation document presented as an acceptance", good.document, "unexpected-document-type"),
            ("the acceptance signature broken", { var a = F.connection().record.encoded; a[a.count - 1] ^= 1; return a }(), "bad-signature"),
            ("an acceptance of other terms is a valid acceptance of those terms (the inviter compares the bytes)",
             try Connection.accept(mentor.signed, accepted: F.created + 1, with: F.inviteeKey).record.encoded, "ok"),
        ]
        let invalidAcceptances: [JSONVectorValue] = invalidAcceptanceCases.map { what, bytes, code in
            ["description": .string(what), "envelope_hex": hexValue(bytes),
             "error": checked(code, what) { _ = try Connection(verifying: bytes) }]
        }

        // MARK: removals

        let connection = F.connection()
        let otherConnection = try Connection.accept(mentor.signed, accepted: F.created + 1, with: F.inviteeKey)
        func removal(_ payload: [String: CBORValue], key: Ed25519PrivateKey) -> [UInt8] {
            F.signRaw(.map(payload), type: .connectionRemoval, key: key)
        }
        let cid = CBORValue.bytes(connection.id)
        let removalCases: [(String, [UInt8], String)] = [
            ("removed by the inviter", removal(["connection": cid, "removed": .unsigned(F.created + day)], key: F.inviterKey), "ok"),
            ("removed by the invitee", removal(["connection": cid, "removed": .unsigned(F.created + day)], key: F.inviteeKey), "ok"),
            ("removed 0 (a removal dated before the connection ends it all the same)",
             removal(["connection": cid, "removed": .unsigned(0)], key: F.inviteeKey), "ok"),
            ("removed by a third node", removal(["connection": cid, "removed": .unsigned(F.created + day)], key: F.thirdKey), "signer-mismatch"),
            ("naming another connection", removal(["connection": .bytes(otherConnection.id), "removed": .unsigned(F.created + day)], key: F.inviterKey),
             "invalid-value"),
            ("a connection digest of 31 bytes", removal(["connection": .bytes(Array(connection.id.dropLast())), "removed": .unsigned(1)], key: F.inviterKey),
             "invalid-value"),
            ("removed 2^63", removal(["connection": cid, "removed": .unsigned(1 << 63)], key: F.inviterKey), "out-of-range"),
            ("no removed", removal(["connection": cid], key: F.inviterKey), "missing-field"),
            ("an extra field", removal(["connection": cid, "removed": .unsigned(1), "reason": .text("moved on")], key: F.inviterKey), "unknown-field"),
            ("an acceptance presented as a removal", connection.record.encoded, "unexpected-document-type"),
        ]
        let removals: [JSONVectorValue] = removalCases.map { what, bytes, code in
            ["description": .string(what), "envelope_hex": hexValue(bytes), "connection_hex": hexValue(connection.record.encoded),
             "error": checked(code, what) { try ConnectionRemoval(verifying: bytes).check(against: connection) }]
        }

        // MARK: bodies

        let id16 = CBORValue.bytes(F.id.bytes)
        let bodyCases: [(String, WireMessageType, CBORValue, String)] = [
            ("invitation: document, note, salt, card", .invitation, good.value, "ok"),
            ("invitation: no note", .invitation, .map(["document": .bytes([1]), "salt": .bytes(F.salt), "card": .bytes([2])]), "invalid-body"),
            ("invitation: no card", .invitation, .map(["document": .bytes([1]), "note": .text("hi"), "salt": .bytes(F.salt)]), "invalid-body"),
            ("invitation: a salt of 15 bytes", .invitation,
             .map(["document": .bytes([1]), "note": .text("hi"), "salt": .bytes(Array(F.salt.dropLast())), "card": .bytes([2])]), "invalid-body"),
            ("invitation: the note as bytes", .invitation,
             .map(["document": .bytes([1]), "note": .bytes([0x68]), "salt": .bytes(F.salt), "card": .bytes([2])]), "invalid-body"),
            ("invitation: an extra key", .invitation,
             .map(["document": .bytes([1]), "note": .text("hi"), "salt": .bytes(F.salt), "card": .bytes([2]), "relationship": .text("friend")]),
             "invalid-body"),
            ("invitation-question: id and note", .invitationQuestion, .map(["invitation": id16, "note": .text("Could you remind me where we met?")]), "ok"),
            ("invitation-question: a note of spaces", .invitationQuestion, .map(["invitation": id16, "note": .text("   ")]), "invalid-body"),
            ("invitation-question: an empty note", .invitationQuestion, .map(["invitation": id16, "note": .text("")]), "invalid-body"),
            ("invitation-question: a note of 1001 bytes", .invitationQuestion,
             .map(["invitation": id16, "note": .text(String(repeating: "q", count: 1001))]), "invalid-body"),
            ("invitation-question: an id of 17 bytes", .invitationQuestion,
             .map(["invitation": .bytes([UInt8](repeating: 1, count: 17)), "note": .text("where?")]), "invalid-body"),
            ("invitation-reply: id and note", .invitationReply, .map(["invitation": id16, "note": .text("At the London meetup, we talked about looms.")]),
             "ok"),
            ("invitation-reply: no id", .invitationReply, .map(["note": .text("here")]), "invalid-body"),
            ("invitation-reply: a NUL in the note", .invitationReply, .map(["invitation": id16, "note": .text("a\u{0}b")]), "invalid-body"),
            ("invitation-withdrawal: the id", .invitationWithdrawal, .map(["invitation": id16]), "ok"),
            ("invitation-withdrawal: with a note", .invitationWithdrawal, .map(["invitation": id16, "note": .text("sorry")]), "invalid-body"),
            ("invitation-withdrawal: the id as text", .invitationWithdrawal, .map(["invitation": .text(F.id.description)]), "invalid-body"),
            ("acceptance: a document", .acceptance, .map(["document": .bytes(connection.record.encoded)]), "ok"),
            ("acceptance: with a card beside it", .acceptance, .map(["document": .bytes([1]), "card": .bytes([2])]), "invalid-body"),
            ("acceptance: an empty map", .acceptance, .map([:]), "invalid-body"),
            ("connection-removal: a document", .connectionRemoval, .map(["document": .bytes([1, 2, 3])]), "ok"),
            ("connection-removal: the document as an array", .connectionRemoval, .map(["document": .array([])]), "invalid-body"),
        ]
        let bodies: [JSONVectorValue] = bodyCases.map { what, type, body, intended in
            let actual = (try? MessageBody(type: type, body: body)) == nil ? "invalid-body" : "ok"
            #expect(actual == intended, "body \"\(what)\": gives \(actual)")
            return ["description": .string(what), "type": .string(type.rawValue), "body_hex": hexValue(body.encoded), "result": .string(intended)]
        }

        return [
            "description": "Invitations and connections (Protocol/invitations.md). keys: RFC 8032 seeds; Ed25519 is deterministic, so every document can be re-signed and compared. invitations.valid: body (document, note, salt, card, in hex where bytes) verifies for receiver at now (Unix ms), its terms payload is payload_hex, which is the canonical encoding of terms, and document_hex is terms signed by keys.inviter. invitations.invalid: refused with error at the first failing step of §Verifying an invitation. acceptances.valid: envelope_hex is keys.invitee's vouch.acceptance over invitation_hex at accepted; connection_id is SHA-256 of envelope_hex. acceptances.invalid: refused with error (or ok). removals: envelope_hex checked against the connection connection_hex gives error (ok when valid). bodies: the flow's message bodies read by transport.md §5: ok or invalid-body. sender and recipient: the lifecycle tables of §Lifecycle: from state (and thread) the event gives next and actions. policy: the recipient policy's decision. crossing: which invitation stands.",
            "keys": .object(keys),
            "limits": [
                "note_maximum_bytes": .number(UInt64(InvitationText.noteMaximumBytes)),
                "context_maximum_bytes": .number(UInt64(InvitationText.contextMaximumBytes)),
                "maximum_lifetime_ms": .number(InvitationLimits.maximumLifetime), "default_lifetime_ms": .number(InvitationLimits.defaultLifetime),
                "maximum_clock_skew_ms": .number(InvitationLimits.maximumClockSkew),
                "maximum_thread_entries": .number(UInt64(InvitationLimits.maximumThreadEntries)),
            ],
            "note_commitment_context": .string(NoteCommitment.context),
            "relationships": .array(Relationship.allCases.map { ["name": .string($0.rawValue), "inverse": .string($0.inverse.rawValue)] }),
            "invitations": ["valid": .array(validInvitations), "invalid": .array(invalidInvitations)],
            "acceptances": ["valid": .array(validAcceptances), "invalid": .array(invalidAcceptances)],
            "removals": .array(removals),
            "bodies": .array(bodies),
            "sender": .array(try senderTable()),
            "recipient": .array(try recipientTable()),
            "policy": .array(policyTable()),
            "crossing": .array(crossingTable()),
        ]
    }
}

extension InvitationBody {
    func with(note: String) -> InvitationBody { InvitationBody(document: document, note: note, salt: salt, card: card) }
}
