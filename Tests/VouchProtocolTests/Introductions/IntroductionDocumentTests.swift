import Testing
import VouchCrypto
@testable import VouchProtocol

/// The three documents of an introduction, each refusal code once (Protocol/introductions.md
/// §3, §4, §5.3): the introduced invitation, the introducer's note, the acceptance of format 2.
@Suite("Introduction documents")
struct IntroductionDocumentTests {
    typealias I = IntroductionFixtures
    static let now = IntroductionTest.before
    static let skew = InvitationLimits.maximumClockSkew

    // MARK: the introduced invitation

    @Test("an invitation naming an introducer is format 2 and reads its introducer back; a direct one stays format 1")
    func introducedInvitation() throws {
        let request = try Invitation(verifying: I.body(), receiver: I.target, now: Self.now)
        #expect(request.signed.envelope.formatVersion == 2 && request.terms.introducer == I.introducer && request.terms.format == 2)
        #expect(request.signed.digest == SHA256.hash(request.signed.bytes))
        let direct = try Invitation(verifying: InvitationFixtures.body())
        #expect(direct.signed.envelope.formatVersion == 1 && direct.terms.introducer == nil)
    }

    @Test("introduced invitations refused, one code each", arguments: [
        ("format 2 without an introducer", "missing-field"),
        ("format 1 with an introducer", "unknown-field"),
        ("format 3", "unsupported-version"),
        ("introducer 31 bytes", "invalid-value"),
        ("introducer small-order", "weak-key"),
        ("introducer as text", "wrong-type"),
        ("introducer = invitee", "invalid-value"),
        ("introducer = signer", "invalid-value"),
        ("read by the introducer", "wrong-recipient"),
    ])
    func refusedInvitation(what: String, code: String) {
        let introducerKey = I.introducer.rawRepresentation
        let (body, receiver): (InvitationBody, NodeID) = switch what {
        case "format 2 without an introducer": (I.edited { $0["introducer"] = nil }, I.target)
        case "format 1 with an introducer": (I.edited(format: 1) { _ in }, I.target)
        case "format 3": (I.edited(format: 3) { _ in }, I.target)
        case "introducer 31 bytes": (I.edited { $0["introducer"] = .bytes(Array(introducerKey.dropLast())) }, I.target)
        case "introducer small-order": (I.edited { $0["introducer"] = .bytes(FixedKeys.identityPoint) }, I.target)
        case "introducer as text": (I.edited { $0["introducer"] = .text("bob") }, I.target)
        case "introducer = invitee": (I.edited { $0["introducer"] = .bytes(I.target.rawRepresentation) }, I.target)
        case "introducer = signer": (I.edited { $0["introducer"] = .bytes(I.requester.rawRepresentation) }, I.target)
        case "read by the introducer": (I.body(), I.introducer)
        default: preconditionFailure(what)
        }
        expectProtocolError(ProtocolError.Code(code), what) { try Invitation(verifying: body, receiver: receiver, now: Self.now) }
    }

    @Test("a writer cannot sign an invitation introduced by its invitee or by itself")
    func writerRefuses() {
        for introducer in [I.target, I.requester] {
            expectProtocolError(.invalidValue) {
                try Invitation.make(inviter: I.requesterKey, invitee: I.target, relationship: .colleague, context: nil, introducer: introducer,
                                    note: I.noteToTarget, card: I.requesterCard, created: I.created)
            }
        }
    }

    // MARK: the introducer's note

    static let digest = CBORValue.bytes(I.request.signed.digest)
    static let goodNote: [String: CBORValue] = ["invitation": digest, "note": .text(I.introducerNote), "created": .unsigned(I.forwardedAt)]

    static func note(_ edit: (inout [String: CBORValue]) -> Void = { _ in }, key: Ed25519PrivateKey = I.introducerKey, format: UInt64 = 1) -> [UInt8] {
        var payload = goodNote
        edit(&payload)
        return I.signRaw(.map(payload), type: .introduction, format: format, key: key)
    }

    @Test("the introducer's note verifies over its request, names the introducer, and keeps its note and date")
    func validNote() throws {
        let note = try SignedIntroduction(verifying: Self.note(), for: I.request.signed)
        #expect(note.introducer == I.introducer && note.note == I.introducerNote && note.created == I.forwardedAt)
        #expect(note == I.introduction())
        // Dated exactly 5 minutes before the request (the clocks differ) and 1 ms before it expires: both valid.
        #expect(throws: Never.self) { try SignedIntroduction(verifying: Self.note { $0["created"] = .unsigned(I.created - Self.skew) }, for: I.request.signed) }
        #expect(throws: Never.self) { try SignedIntroduction(verifying: Self.note { $0["created"] = .unsigned(I.expires - 1) }, for: I.request.signed) }
    }

    @Test("the introducer's note refused, one code each", arguments: [
        ("forged by a stranger", "signer-mismatch"),
        ("signed by the requester", "signer-mismatch"),
        ("altered after signing", "bad-signature"),
        ("over another request", "invalid-value"),
        ("over a direct invitation", "invalid-value"),
        ("dated before the request", "invalid-value"),
        ("dated at expiry", "expired"),
        ("created 2^53", "out-of-range"),
        ("no note", "missing-field"),
        ("note as bytes", "wrong-type"),
        ("note too long", "field-too-long"),
        ("note with a control character", "invalid-text"),
        ("an extra field", "unknown-field"),
        ("format 2", "unsupported-version"),
        ("an acceptance in its place", "unexpected-document-type"),
    ])
    func refusedNote(what: String, code: String) throws {
        let request = I.request.signed
        let other = try Invitation(verifying: I.body(relationship: .friend)).signed
        let (bytes, invitation): ([UInt8], SignedInvitation) = switch what {
        case "forged by a stranger": (Self.note(key: I.strangerKey), request)
        case "signed by the requester": (Self.note(key: I.requesterKey), request)
        case "altered after signing": (SignedEnvelope.splice(signatureOf: Self.note(), onto: Self.note { $0["note"] = .text("Carol is wonderful.") }),
                                       request)
        case "over another request": (Self.note(), other)
        case "over a direct invitation": (Self.note(), InvitationFixtures.invitation.signed)
        case "dated before the request": (Self.note { $0["created"] = .unsigned(I.created - Self.skew - 1) }, request)
        case "dated at expiry": (Self.note { $0["created"] = .unsigned(I.expires) }, request)
        case "created 2^53": (Self.note { $0["created"] = .unsigned(1 << 53) }, request)
        case "no note": (Self.note { $0["note"] = nil }, request)
        case "note as bytes": (Self.note { $0["note"] = .bytes([0x68, 0x69]) }, request)
        case "note too long": (Self.note { $0["note"] = .text(String(repeating: "n", count: 1001)) }, request)
        case "note with a control character": (Self.note { $0["note"] = .text("a\u{7}b") }, request)
        case "an extra field": (Self.note { $0["target"] = .bytes(I.target.rawRepresentation) }, request)
        case "format 2": (Self.note(format: 2), request)
        case "an acceptance in its place": (I.connection().record.encoded, request)
        default: preconditionFailure(what)
        }
        expectProtocolError(ProtocolError.Code(code), what) { try SignedIntroduction(verifying: bytes, for: invitation) }
    }

    // MARK: the acceptance of format 2

    @Test("the acceptance of an introduced invitation is format 2, carries the note, and names the introducer")
    func validAcceptance() throws {
        let connection = try Connection(verifying: I.connection().record.encoded)
        #expect(connection.record.formatVersion == 2 && connection.introducedBy == I.introducer && connection.introduction == I.introduction())
        #expect(connection.inviter == I.requester && connection.invitee == I.target)
        // A direct invitation's acceptance stays format 1 and names nobody.
        let direct = InvitationFixtures.connection()
        #expect(direct.record.formatVersion == 1 && direct.introducedBy == nil && direct.introduction == nil)
    }

    @Test("acceptances of format 2 refused, one code each", arguments: [
        ("format 2 without the note", "missing-field"),
        ("format 1 for a format 2 invitation", "invalid-value"),
        ("format 2 for a format 1 invitation", "invalid-value"),
        ("format 1 carrying a note", "unknown-field"),
        ("a forged note", "signer-mismatch"),
        ("an altered note", "bad-signature"),
        ("a note over another request", "invalid-value"),
        ("signed by the introducer", "signer-mismatch"),
        ("accepted at expiry", "expired"),
    ])
    func refusedAcceptance(what: String, code: String) throws {
        let request = CBORValue.bytes(I.request.signed.bytes), note = CBORValue.bytes(I.introduction().envelope.encoded)
        let accepted = CBORValue.unsigned(I.forwardedAt + 1)
        let other = try Invitation(verifying: I.body(relationship: .friend)).signed
        var altered = I.introduction().envelope.encoded
        altered[altered.count - 1] ^= 1
        func acceptance(_ payload: [String: CBORValue], format: UInt64 = 2, key: Ed25519PrivateKey = I.targetKey) -> [UInt8] {
            I.signRaw(.map(payload), type: .acceptance, format: format, key: key)
        }
        let bytes: [UInt8] = switch what {
        case "format 2 without the note": acceptance(["accepted": accepted, "invitation": request])
        case "format 1 for a format 2 invitation": acceptance(["accepted": accepted, "invitation": request], format: 1)
        case "format 2 for a format 1 invitation":
            acceptance(["accepted": accepted, "invitation": .bytes(InvitationFixtures.invitation.signed.bytes), "introduction": note])
        case "format 1 carrying a note": acceptance(["accepted": accepted, "invitation": request, "introduction": note], format: 1)
        case "a forged note": acceptance(["accepted": accepted, "invitation": request, "introduction": .bytes(Self.note(key: I.strangerKey))])
        case "an altered note": acceptance(["accepted": accepted, "invitation": request, "introduction": .bytes(altered)])
        case "a note over another request":
            acceptance(["accepted": accepted, "invitation": request, "introduction": .bytes(I.introduction(for: other).envelope.encoded)])
        case "signed by the introducer": acceptance(["accepted": accepted, "invitation": request, "introduction": note], key: I.introducerKey)
        case "accepted at expiry": acceptance(["accepted": .unsigned(I.expires), "invitation": request, "introduction": note])
        default: preconditionFailure(what)
        }
        expectProtocolError(ProtocolError.Code(code), what) { try Connection(verifying: bytes) }
    }

    @Test("the target cannot accept an introduced invitation without the introducer's note")
    func acceptWithoutNote() {
        expectProtocolError(.invalidValue) { try Connection.accept(I.request.signed, accepted: Self.now, with: I.targetKey) }
    }
}
