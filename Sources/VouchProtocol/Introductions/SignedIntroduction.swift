public import VouchCrypto

/// The introducer's signed note to the person introduced: a `vouch.introduction` document,
/// format 1 (Protocol/introductions.md §The introducer's note).
///
///     introduction = {
///       "invitation": bstr .size 32,  ; SHA-256 of the requester's vouch.invitation (format 2) envelope
///       "note": text,                 ; the introducer's note to the target: the note rule, 1 … 1000 bytes
///       "created": uint               ; Unix ms, within the invitation's lifetime
///     }
///
/// It names the invitation by digest rather than embedding it, because it always travels with it
/// (in the offer and in the connection record) and so cannot be read without it. Signing the
/// digest of the exact bytes binds the note to one invitation: it cannot vouch for another
/// requester, target, relationship or note, and only the introducer the requester named can make
/// one that verifies.
public struct SignedIntroduction: Sendable, Equatable {
    public let envelope: SignedEnvelope
    public let note: String
    /// Unix ms when the introducer forwarded the request.
    public let created: UInt64

    public var introducer: NodeID { envelope.signer }

    /// Verifies `bytes` as the introducer's note for `invitation`, in the order of
    /// Protocol/introductions.md §Verifying the introducer's note. No step reads a clock: the
    /// note stays valid evidence however late it is checked.
    public init(verifying bytes: [UInt8], for invitation: SignedInvitation) throws {
        let envelope = try SignedEnvelope(verifying: bytes)
        try envelope.require(.introduction)
        var fields = try CBORFields(try CBORValue(canonical: envelope.payload), context: "introduction")
        let created = try fields.unsigned("created")
        let digest = try fields.bytes("invitation", count: SHA256.byteCount)
        let note = try fields.text("note")
        try fields.finish()
        try InvitationText.validateNote(note, label: "introduction.note")
        guard let introducer = invitation.terms.introducer else {
            throw ProtocolError(.invalidValue, "the invitation \(invitation.terms.id) names no introducer")
        }
        guard envelope.signer == introducer else {
            throw ProtocolError(.signerMismatch, "the introduction is signed by \(envelope.signer.shortForm), the invitation names \(introducer.shortForm)")
        }
        guard digest == invitation.digest else {
            throw ProtocolError(.invalidValue, "the introduction names another invitation")
        }
        guard created + InvitationLimits.maximumClockSkew >= invitation.terms.created else {
            throw ProtocolError(.invalidValue, "the introduction is dated \(created), before the request was made (\(invitation.terms.created))")
        }
        guard created < invitation.terms.expires else {
            throw ProtocolError(.expired, "the introduction is dated \(created), after the request expired (\(invitation.terms.expires))")
        }
        self.envelope = envelope
        self.note = note
        self.created = created
    }

    /// The introducer's note on `invitation` at `created` (Unix ms), signed with `key` and
    /// verified as any reader would.
    public static func make(for invitation: SignedInvitation, note: String, created: UInt64,
                            with key: Ed25519PrivateKey) throws -> SignedIntroduction {
        try InvitationText.validateNote(note, label: "introduction.note")
        let payload = CBORValue.map(["invitation": .bytes(invitation.digest), "note": .text(note), "created": .unsigned(created)])
        let envelope = try SignedEnvelope(signing: payload.encoded, type: .introduction, formatVersion: 1, with: key)
        return try SignedIntroduction(verifying: envelope.encoded, for: invitation)
    }
}
