public import VouchCrypto

/// A `vouch.invitation` document whose signature, type and terms are checked, with no regard to
/// time or to who reads it: what an acceptance embeds and a connection record is verified from.
public struct SignedInvitation: Sendable, Equatable {
    public let envelope: SignedEnvelope
    public let terms: InvitationTerms
    /// The exact bytes the inviter signed: what an acceptance embeds.
    public let bytes: [UInt8]

    public var inviter: NodeID { envelope.signer }
    /// SHA-256 of the signed bytes: what the introducer's note names (Protocol/introductions.md).
    public var digest: [UInt8] { SHA256.hash(bytes) }

    /// Protocol/invitations.md §Verifying an invitation, steps 1–4.
    public init(verifying bytes: [UInt8]) throws {
        let envelope = try SignedEnvelope(verifying: bytes)
        try envelope.require(.invitation)
        let terms = try InvitationTerms(payload: envelope.payload, format: envelope.formatVersion)
        guard terms.invitee != envelope.signer else {
            throw ProtocolError(.selfInvitation, "the invitation is addressed to its own signer \(envelope.signer.shortForm)")
        }
        guard terms.introducer != envelope.signer else {
            throw ProtocolError(.invalidValue, "the invitation names its own signer \(envelope.signer.shortForm) as introducer")
        }
        self.envelope = envelope
        self.terms = terms
        self.bytes = bytes
    }
}

/// An invitation as its invitee receives it, every check of Protocol/invitations.md §Verifying
/// an invitation passed: the signed terms, the note they commit to, and the inviter's card.
public struct Invitation: Sendable, Equatable {
    public let signed: SignedInvitation
    public let note: String
    public let salt: [UInt8]
    /// The inviter's signed profile view for everyone, so the invitee sees who asks.
    public let card: SignedEnvelope
    public let profile: ProfileDocument

    public var inviter: NodeID { signed.inviter }
    public var terms: InvitationTerms { signed.terms }

    /// Steps 1–7: everything that depends only on the bytes.
    public init(verifying body: InvitationBody) throws {
        signed = try SignedInvitation(verifying: body.document)
        guard NoteCommitment.digest(note: body.note, salt: body.salt) == signed.terms.noteDigest else {
            throw ProtocolError(.badSignature, "the note (or its salt) is not the one the inviter signed")
        }
        try InvitationText.validateNote(body.note)
        note = body.note
        salt = body.salt
        card = try SignedEnvelope(verifying: body.card)
        guard card.signer == signed.inviter else {
            throw ProtocolError(.signerMismatch, "the card is signed by \(card.signer.shortForm), not by the inviter \(signed.inviter.shortForm)")
        }
        profile = try ProfileDocument(envelope: card)
        guard profile.audience == .everyone else {
            throw ProtocolError(.invalidValue, "the card in an invitation is the inviter's view for everyone, this is the view for \(profile.audience.rawValue)")
        }
    }

    /// All of it, steps 1–10: the bytes, then whether `receiver` may take it at `now` (Unix ms).
    public init(verifying body: InvitationBody, receiver: NodeID, now: UInt64) throws {
        try self.init(verifying: body)
        try checkReceipt(receiver: receiver, now: now)
    }

    /// Steps 8–10: the invitation is for `receiver`, not dated ahead of its clock, not expired.
    public func checkReceipt(receiver: NodeID, now: UInt64) throws(ProtocolError) {
        guard terms.invitee == receiver else {
            throw ProtocolError(.wrongRecipient, "the invitation is for \(terms.invitee.shortForm), not for \(receiver.shortForm)")
        }
        try checkTimes(now: now)
    }

    /// Steps 9–10: not dated ahead of the reader's clock, not expired. What an introducer checks
    /// of a request, which is not for it.
    public func checkTimes(now: UInt64) throws(ProtocolError) {
        guard terms.created <= now + InvitationLimits.maximumClockSkew else {
            throw ProtocolError(.clockSkew, "the invitation is dated \(terms.created - now) ms ahead of this node's clock")
        }
        guard now < terms.expires else {
            throw ProtocolError(.expired, "the invitation expired \(now - terms.expires) ms ago")
        }
    }

    /// Makes the invitation body an inviter sends: signs the terms over the note's commitment.
    /// `card` is the inviter's signed everyone view; `salt` is 16 random bytes (fixed only in tests).
    public static func make(inviter key: Ed25519PrivateKey, id: InvitationID = .random(), invitee: NodeID, relationship: Relationship,
                            context: String?, introducer: NodeID? = nil, note: String, card: SignedEnvelope, created: UInt64,
                            lifetime: UInt64 = InvitationLimits.defaultLifetime,
                            salt: [UInt8] = SecureRandom.bytes(NoteCommitment.saltByteCount)) throws -> InvitationBody {
        try InvitationText.validateNote(note)
        guard salt.count == NoteCommitment.saltByteCount else {
            throw ProtocolError(.invalidValue, "the salt is \(NoteCommitment.saltByteCount) bytes")
        }
        let (expires, overflow) = created.addingReportingOverflow(lifetime)
        guard !overflow else { throw ProtocolError(.outOfRange, "created + lifetime overflows") }
        let terms = InvitationTerms(id: id, invitee: invitee, relationship: relationship, context: context, created: created,
                                    expires: expires, noteDigest: NoteCommitment.digest(note: note, salt: salt), introducer: introducer)
        if let context { try InvitationText.validateContext(context) }
        let document = try terms.signed(with: key)
        return InvitationBody(document: document.encoded, note: note, salt: salt, card: card.encoded)
    }
}
