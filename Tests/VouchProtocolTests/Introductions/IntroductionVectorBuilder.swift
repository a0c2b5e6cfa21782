import Testing
import VouchCrypto
@testable import VouchProtocol

/// Protocol/vectors/introductions.json (Protocol/introductions.md): the introduced invitation
/// (format 2), the introducer's note, the acceptance of format 2, valid and refused; the eight
/// message bodies; and the three role tables. Every case names the outcome it is meant to show
/// and the builder checks the code gives exactly that.
extension VectorBuilder {
    typealias I = IntroductionFixtures

    static func introductions() throws -> JSONVectorValue {
        var keys: [String: JSONVectorValue] = [:]
        for (name, seed) in [("requester", FixedKeys.seed1), ("target", FixedKeys.seed2), ("introducer", FixedKeys.seed3),
                             ("stranger", I.strangerSeed)] {
            keys[name] = ["seed": hexValue(seed), "public_key": hexValue(FixedKeys.key(seed).publicKey.rawRepresentation)]
        }
        #expect(I.stranger.rawRepresentation == I.strangerPublic, "RFC 8032 TEST 1024's public key")
        let now = I.created + 1_000
        let day: UInt64 = 24 * 3_600_000
        let skew = InvitationLimits.maximumClockSkew
        let request = I.request

        // MARK: introduced invitations (format 2)

        let validBodies: [(String, InvitationBody, UInt64)] = [
            ("a colleague, with context, introduced by the introducer", I.body(), now),
            ("met at an event, no context", I.body(relationship: .metAtEvent, context: nil), now),
            ("read at the last moment of its lifetime", I.body(), I.expires - 1),
        ]
        var validInvitations: [JSONVectorValue] = []
        for (what, body, at) in validBodies {
            let invitation = try Invitation(verifying: body, receiver: I.target, now: at)
            validInvitations.append([
                "description": .string(what), "body": invitationBodyJSON(body), "receiver": hexValue(I.target.rawRepresentation),
                "now": .number(at), "terms": termsJSON(invitation.terms).adding("introducer", hexValue(I.introducer.rawRepresentation)),
                "format": .number(invitation.signed.envelope.formatVersion), "payload_hex": hexValue(invitation.signed.envelope.payload),
                "digest_hex": hexValue(invitation.signed.digest), "signer": "requester",
                "result": checked("ok", what) { _ = try Invitation(verifying: body, receiver: I.target, now: at) },
            ])
        }
        let introducerKey = CBORValue.bytes(I.introducer.rawRepresentation)
        let invalidCases: [(String, InvitationBody, NodeID, UInt64, String)] = [
            ("format 2 without an introducer", I.edited { $0["introducer"] = nil }, I.target, now, "missing-field"),
            ("format 1 with an introducer (format 1 has no such field)", I.edited(format: 1) { _ in }, I.target, now, "unknown-field"),
            ("format 1 with the reserved name introduced_by", I.edited(format: 1) { $0["introducer"] = nil; $0["introduced_by"] = introducerKey },
             I.target, now, "unknown-field"),
            ("format 2 with introduced_by instead of introducer",
             I.edited { $0["introducer"] = nil; $0["introduced_by"] = introducerKey }, I.target, now, "missing-field"),
            ("format 3", I.edited(format: 3) { _ in }, I.target, now, "unsupported-version"),
            ("the introducer is the invitee", I.edited { $0["introducer"] = .bytes(I.target.rawRepresentation) }, I.target, now, "invalid-value"),
            ("the introducer is the inviter (the signer)", I.edited { $0["introducer"] = .bytes(I.requester.rawRepresentation) },
             I.target, now, "invalid-value"),
            ("an introducer of 31 bytes", I.edited { $0["introducer"] = .bytes(Array(I.introducer.rawRepresentation.dropLast())) },
             I.target, now, "invalid-value"),
            ("an introducer that is a small-order point", I.edited { $0["introducer"] = .bytes(FixedKeys.identityPoint) }, I.target, now, "weak-key"),
            ("an introducer that is not canonically encoded", I.edited { $0["introducer"] = .bytes(FixedKeys.nonCanonicalY) },
             I.target, now, "weak-key"),
            ("the introducer as text", I.edited { $0["introducer"] = .text(I.introducer.description) }, I.target, now, "wrong-type"),
            ("the introducer named, but the terms changed after signing (another introducer)", {
                var body = I.body()
                let other = I.body(introducer: I.stranger)
                body.document = SignedEnvelope.splice(signatureOf: body.document, onto: other.document)
                return body
            }(), I.target, now, "bad-signature"),
            ("read by the introducer: not the invitee", I.body(), I.introducer, now, "wrong-recipient"),
            ("expired", I.body(), I.target, I.expires, "expired"),
        ]
        let invalidInvitations: [JSONVectorValue] = invalidCases.map { what, body, to, at, code in
            ["description": .string(what), "body": invitationBodyJSON(body), "receiver": hexValue(to.rawRepresentation), "now": .number(at),
             "error": checked(code, what) { _ = try Invitation(verifying: body, receiver: to, now: at) }]
        }

        // MARK: the introducer's note (vouch.introduction)

        let validNotes: [(String, UInt64, String)] = [
            ("forwarded a minute after the request was made", I.forwardedAt, I.introducerNote),
            ("dated 5 minutes before the request (the clocks differ)", I.created - skew, "Alice, meet Carol.\nShe is good."),
            ("dated 1 ms before the request expires", I.expires - 1, String(repeating: "\u{00E9}", count: 500)),
        ]
        let validIntroductions: [JSONVectorValue] = try validNotes.map { what, created, note in
            let made = try SignedIntroduction.make(for: request.signed, note: note, created: created, with: I.introducerKey)
            return ["description": .string(what), "invitation_hex": hexValue(request.signed.bytes), "created": .number(created),
                    "note": .string(note), "signer": "introducer", "payload_hex": hexValue(made.envelope.payload),
                    "envelope_hex": hexValue(made.envelope.encoded),
                    "result": checked("ok", what) { _ = try SignedIntroduction(verifying: made.envelope.encoded, for: request.signed) }]
        }
        let digest = CBORValue.bytes(request.signed.digest)
        func note(_ payload: [String: CBORValue], key: Ed25519PrivateKey = I.introducerKey, type: DocumentType = .introduction,
                  format: UInt64 = 1) -> [UInt8] {
            I.signRaw(.map(payload), type: type, format: format, key: key)
        }
        let goodNote: [String: CBORValue] = ["invitation": digest, "note": .text(I.introducerNote), "created": .unsigned(I.forwardedAt)]
        func noteWith(_ edit: (inout [String: CBORValue]) -> Void) -> [UInt8] {
            var payload = goodNote
            edit(&payload)
            return note(payload)
        }
        let otherRequest = try Invitation(verifying: I.body(relationship: .friend))
        let formatOne = InvitationFixtures.invitation.signed
        let invalidNoteCases: [(String, [UInt8], SignedInvitation, String)] = [
            ("signed by a stranger: a forged note", note(goodNote, key: I.strangerKey), request.signed, "signer-mismatch"),
            ("signed by the requester: a note written for oneself", note(goodNote, key: I.requesterKey), request.signed, "signer-mismatch"),
            ("signed by the target", note(goodNote, key: I.targetKey), request.signed, "signer-mismatch"),
            ("the note changed after signing", SignedEnvelope.splice(signatureOf: note(goodNote),
                                                                     onto: noteWith { $0["note"] = .text(I.introducerNote + "!") }),
             request.signed, "bad-signature"),
            ("over the digest of another request (other relationship)", note(goodNote), otherRequest.signed, "invalid-value"),
            ("a digest of 31 bytes", noteWith { $0["invitation"] = .bytes(Array(request.signed.digest.dropLast())) }, request.signed,
             "invalid-value"),
            ("the invitation embedded instead of its digest", noteWith { $0["invitation"] = .bytes(request.signed.bytes) }, request.signed,
             "invalid-value"),
            ("checked against a direct invitation (format 1) that names no introducer", note(goodNote), formatOne, "invalid-value"),
            ("dated more than 5 minutes before the request", noteWith { $0["created"] = .unsigned(I.created - skew - 1) }, request.signed,
             "invalid-value"),
            ("dated exactly when the request expires", noteWith { $0["created"] = .unsigned(I.expires) }, request.signed, "expired"),
            ("dated a day after the request expired", noteWith { $0["created"] = .unsigned(I.expires + day) }, request.signed, "expired"),
            ("created 2^53", noteWith { $0["created"] = .unsigned(1 << 53) }, request.signed, "out-of-range"),
            ("created as text", noteWith { $0["created"] = .text("yesterday") }, request.signed, "wrong-type"),
            ("no created", noteWith { $0["created"] = nil }, request.signed, "missing-field"),
            ("no invitation", noteWith { $0["invitation"] = nil }, request.signed, "missing-field"),
            ("no note", noteWith { $0["note"] = nil }, request.signed, "missing-field"),
            ("an empty note", noteWith { $0["note"] = .text("") }, request.signed, "invalid-value"),
            ("a note of only white space", noteWith { $0["note"] = .text(" \n ") }, request.signed, "invalid-value"),
            ("a note of 1001 bytes", noteWith { $0["note"] = .text(String(repeating: "n", count: 1001)) }, request.signed, "field-too-long"),
            ("a tab in the note", noteWith { $0["note"] = .text("a\tb") }, request.signed, "invalid-text"),
            ("an extra field (the target's key)", noteWith { $0["target"] = .bytes(I.target.rawRepresentation) }, request.signed, "unknown-field"),
            ("format 2 of vouch.introduction", note(goodNote, format: 2), request.signed, "unsupported-version"),
            ("the request itself presented as the note", request.signed.bytes, request.signed, "unexpected-document-type"),
            ("an acceptance presented as the note", I.connection().record.encoded, request.signed, "unexpected-document-type"),
        ]
        let invalidIntroductions: [JSONVectorValue] = invalidNoteCases.map { what, bytes, invitation, code in
            ["description": .string(what), "envelope_hex": hexValue(bytes), "invitation_hex": hexValue(invitation.bytes),
             "error": checked(code, what) { _ = try SignedIntroduction(verifying: bytes, for: invitation) }]
        }

        // MARK: acceptances of format 2

        let introduction = I.introduction()
        let acceptedTimes: [(String, UInt64)] = [
            ("accepted a minute after the introducer forwarded", I.forwardedAt + 60_000),
            ("accepted 1 ms before the request expires", I.expires - 1),
            ("dated 5 minutes before the introducer's note: the clocks' tolerance", I.forwardedAt - 300_000),
        ]
        var validAcceptances: [JSONVectorValue] = []
        for (what, accepted) in acceptedTimes {
            let connection = try Connection.accept(request.signed, introduction: introduction, accepted: accepted, with: I.targetKey)
            validAcceptances.append([
                "description": .string(what), "accepted": .number(accepted), "invitation_hex": hexValue(request.signed.bytes),
                "introduction_hex": hexValue(introduction.envelope.encoded), "payload_hex": hexValue(connection.record.payload),
                "envelope_hex": hexValue(connection.record.encoded), "signer": "target",
                "inviter": hexValue(connection.inviter.rawRepresentation), "invitee": hexValue(connection.invitee.rawRepresentation),
                "introduced_by": hexValue(connection.introducedBy!.rawRepresentation), "introducer_note": .string(connection.introduction!.note),
                "since": .number(connection.since), "relationship": .string(connection.relationship.rawValue),
                "connection_id": hexValue(connection.id),
                "result": checked("ok", what) { _ = try Connection(verifying: connection.record.encoded) },
            ])
        }
        let requestBytes = CBORValue.bytes(request.signed.bytes)
        let noteBytes = CBORValue.bytes(introduction.envelope.encoded)
        let accepted = CBORValue.unsigned(I.forwardedAt + 60_000)
        func acceptance(_ payload: [String: CBORValue], format: UInt64 = 2, key: Ed25519PrivateKey = I.targetKey) -> [UInt8] {
            I.signRaw(.map(payload), type: .acceptance, format: format, key: key)
        }
        let direct = InvitationFixtures.invitation.signed
        let forged = note(goodNote, key: I.strangerKey)
        var altered = introduction.envelope.encoded
        altered[altered.count - 1] ^= 1
        let invalidAcceptanceCases: [(String, [UInt8], String)] = [
            ("format 2 without the introducer's note", acceptance(["accepted": accepted, "invitation": requestBytes]), "missing-field"),
            ("format 1 accepting an introduced invitation (format 2), no note", acceptance(["accepted": accepted, "invitation": requestBytes], format: 1),
             "invalid-value"),
            ("format 1 carrying the note (format 1 has no such field)",
             acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": noteBytes], format: 1), "unknown-field"),
            ("format 2 accepting a direct invitation (format 1)",
             acceptance(["accepted": accepted, "invitation": .bytes(direct.bytes), "introduction": noteBytes]), "invalid-value"),
            ("a forged note: signed by a stranger",
             acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": .bytes(forged)]), "signer-mismatch"),
            ("the note's signature broken", acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": .bytes(altered)]),
             "bad-signature"),
            ("a note over another request", acceptance(["accepted": accepted, "invitation": requestBytes,
                                                         "introduction": .bytes(I.introduction(for: otherRequest.signed).envelope.encoded)]),
             "invalid-value"),
            ("the request's own bytes in place of the note",
             acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": requestBytes]), "unexpected-document-type"),
            ("the note as text", acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": .text("trust me")]), "wrong-type"),
            ("signed by the introducer instead of the target",
             acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": noteBytes], key: I.introducerKey), "signer-mismatch"),
            ("signed by the requester", acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": noteBytes], key: I.requesterKey),
             "signer-mismatch"),
            ("accepted exactly when the request expires",
             acceptance(["accepted": .unsigned(I.expires), "invitation": requestBytes, "introduction": noteBytes]), "expired"),
            ("an extra field", acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": noteBytes, "card": .bytes([1])]),
             "unknown-field"),
            ("format 3", acceptance(["accepted": accepted, "invitation": requestBytes, "introduction": noteBytes], format: 3), "unsupported-version"),
            ("accepted more than 5 minutes before the introducer's note is dated",
             acceptance(["accepted": .unsigned(I.forwardedAt - 300_001), "invitation": requestBytes, "introduction": noteBytes]), "invalid-value"),
        ]
        let invalidAcceptances: [JSONVectorValue] = invalidAcceptanceCases.map { what, bytes, code in
            ["description": .string(what), "envelope_hex": hexValue(bytes), "error": checked(code, what) { _ = try Connection(verifying: bytes) }]
        }

        // MARK: bodies

        let good = I.body()
        let requesterKey = CBORValue.bytes(I.requester.rawRepresentation), id16 = CBORValue.bytes(I.id.bytes)
        let reference: [String: CBORValue] = ["requester": requesterKey, "request": id16]
        func ref(_ extra: [String: CBORValue]) -> CBORValue { .map(reference.merging(extra) { _, new in new }) }
        let bodyCases: [(String, WireMessageType, CBORValue, String)] = [
            ("introduction-request: the invitation and the note to the introducer", .introductionRequest, I.requestBody.value, "ok"),
            ("introduction-request: no note", .introductionRequest, .map(["invitation": good.value]), "invalid-body"),
            ("introduction-request: a note of only spaces", .introductionRequest, .map(["invitation": good.value, "note": .text("   ")]),
             "invalid-body"),
            ("introduction-request: a note of 1001 bytes", .introductionRequest,
             .map(["invitation": good.value, "note": .text(String(repeating: "n", count: 1001))]), "invalid-body"),
            ("introduction-request: the invitation as its document bytes", .introductionRequest,
             .map(["invitation": .bytes(good.document), "note": .text("please")]), "invalid-body"),
            ("introduction-request: the invitation without its card", .introductionRequest,
             .map(["invitation": .map(["document": .bytes(good.document), "note": .text(good.note), "salt": .bytes(good.salt)]),
                   "note": .text("please")]), "invalid-body"),
            ("introduction-request: an extra key (the target's address)", .introductionRequest,
             .map(["invitation": good.value, "note": .text("please"), "to": .text("alice.example:7400")]), "invalid-body"),
            ("introduction-forwarded: requester and request", .introductionForwarded, ref([:]), "ok"),
            ("introduction-forwarded: with a note", .introductionForwarded, ref(["note": .text("done")]), "invalid-body"),
            ("introduction-forwarded: a request id of 15 bytes", .introductionForwarded,
             ref(["request": .bytes([UInt8](repeating: 1, count: 15))]), "invalid-body"),
            ("introduction-forwarded: no requester", .introductionForwarded, .map(["request": id16]), "invalid-body"),
            ("introduction-not-forwarded: without a note", .introductionNotForwarded, ref([:]), "ok"),
            ("introduction-not-forwarded: with the introducer's private note", .introductionNotForwarded,
             ref(["note": .text("Sorry Carol, I don't know her well enough to introduce you.")]), "ok"),
            ("introduction-not-forwarded: an empty note", .introductionNotForwarded, ref(["note": .text("")]), "invalid-body"),
            ("introduction-not-forwarded: the note as bytes", .introductionNotForwarded, ref(["note": .bytes([0x68])]), "invalid-body"),
            ("introduction-offer: the invitation and the introducer's note", .introductionOffer, I.offer.value, "ok"),
            ("introduction-offer: no note", .introductionOffer, .map(["invitation": good.value]), "invalid-body"),
            ("introduction-offer: the note as text", .introductionOffer, .map(["invitation": good.value, "introduction": .text("vouched")]),
             "invalid-body"),
            ("introduction-offer: with the requester's note to the introducer", .introductionOffer,
             .map(["invitation": good.value, "introduction": .bytes([1]), "note": .text(I.noteToIntroducer)]), "invalid-body"),
            ("introduction-question: requester, request and note", .introductionQuestion, ref(["note": .text("How do you know Carol?")]), "ok"),
            ("introduction-question: no note", .introductionQuestion, ref([:]), "invalid-body"),
            ("introduction-question: a CR in the note", .introductionQuestion, ref(["note": .text("a\r\nb")]), "invalid-body"),
            ("introduction-question: a requester of 31 bytes", .introductionQuestion,
             ref(["requester": .bytes(Array(I.requester.rawRepresentation.dropLast())), "note": .text("who?")]), "invalid-body"),
            ("introduction-question: a requester that is a small-order point", .introductionQuestion,
             ref(["requester": .bytes(FixedKeys.identityPoint), "note": .text("who?")]), "invalid-body"),
            ("introduction-reply: requester, request and note", .introductionReply, ref(["note": .text("We worked together for three years.")]),
             "ok"),
            ("introduction-reply: a note of only white space", .introductionReply, ref(["note": .text("\u{3000}")]), "invalid-body"),
            ("introduction-reply: the invitation id under invitation-reply's key", .introductionReply,
             .map(["invitation": id16, "note": .text("hi")]), "invalid-body"),
            ("introduction-withdrawal: requester and request", .introductionWithdrawal, ref([:]), "ok"),
            ("introduction-withdrawal: the requester as a node ID string", .introductionWithdrawal,
             ref(["requester": .text(I.requester.description)]), "invalid-body"),
            ("introduction-outcome: requester and request", .introductionOutcome, ref([:]), "ok"),
            ("introduction-outcome: with a verdict", .introductionOutcome, ref(["outcome": .text("accepted")]), "invalid-body"),
            ("introduction-outcome: an empty map", .introductionOutcome, .map([:]), "invalid-body"),
        ]
        let bodies: [JSONVectorValue] = bodyCases.map { what, type, body, intended in
            let actual = (try? MessageBody(type: type, body: body)) == nil ? "invalid-body" : "ok"
            #expect(actual == intended, "body \"\(what)\": gives \(actual)")
            return ["description": .string(what), "type": .string(type.rawValue), "body_hex": hexValue(body.encoded), "result": .string(intended)]
        }
        let everyType = Set(bodyCases.map(\.1))
        #expect(everyType == Set(WireMessageType.allCases.filter { $0.rawValue.hasPrefix("introduction-") }), "a body vector for every type")

        return [
            "description": .string("""
                Introductions (Protocol/introductions.md). keys: RFC 8032 seeds (requester, target, introducer; stranger is TEST 1024). \
                invitations.valid: the requester's vouch.invitation of format 2 (body in hex where bytes) verifies for receiver at now \
                (invitations.md §3.4 with introductions.md §3); terms (with introducer) encode to payload_hex, signed by keys.requester as \
                format; digest_hex is SHA-256 of the document. invitations.invalid: refused with error. introductions.valid: \
                keys.introducer's vouch.introduction over SHA-256 of invitation_hex, with note and created, is payload_hex/envelope_hex \
                and verifies. introductions.invalid: envelope_hex checked against invitation_hex gives error. acceptances.valid: \
                keys.target's vouch.acceptance of format 2 over invitation_hex carrying introduction_hex. acceptances.invalid: refused \
                with error. bodies: the eight message bodies read by §5: ok or invalid-body. introducer, requester, target: the \
                lifecycle tables of §6: from a state (and the columns beside it) the event gives the next state and the actions; \
                send:<type>><role> names who the delivery goes to. flow: one whole introduction as the machines send it, \
                message by message (type, from and to by role, body_hex): every body reads, relays pass bodies on unchanged, and \
                the acceptance verifies with the note the offer carried.
                """),
            "keys": .object(keys),
            "invitations": ["valid": .array(validInvitations), "invalid": .array(invalidInvitations)],
            "introductions": ["valid": .array(validIntroductions), "invalid": .array(invalidIntroductions)],
            "acceptances": ["valid": .array(validAcceptances), "invalid": .array(invalidAcceptances)],
            "bodies": .array(bodies),
            "introducer": .array(try introducerTable()),
            "requester": .array(try requesterTable()),
            "target": .array(try targetTable()),
            "flow": .array(try introductionFlow()),
        ]
    }
}

extension JSONVectorValue {
    /// This object with one more member.
    func adding(_ key: String, _ value: JSONVectorValue) -> JSONVectorValue {
        guard case .object(var members) = self else { preconditionFailure("not an object") }
        members[key] = value
        return .object(members)
    }
}

extension SignedEnvelope {
    /// `target`'s envelope with the signature of `source`: a document whose content changed
    /// after signing (both must parse as envelopes).
    static func splice(signatureOf source: [UInt8], onto target: [UInt8]) -> [UInt8] {
        let signature = try! SignedEnvelope(verifying: source).signature
        let other = try! SignedEnvelope(verifying: target)
        return CBORValue.array([.text(other.type), .unsigned(other.formatVersion), .bytes(other.signer.rawRepresentation),
                                .bytes(other.payload), .bytes(signature)]).encoded
    }
}
