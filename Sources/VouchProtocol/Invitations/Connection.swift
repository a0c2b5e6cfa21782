public import VouchCrypto

/// A connection: the invitee's `vouch.acceptance` over the inviter's exact `vouch.invitation`,
/// verified (Protocol/invitations.md §The acceptance). The acceptance envelope is the record:
/// both nodes keep the same bytes, and anyone holding them can check both signatures.
///
///     acceptance = {
///       "accepted": uint,      ; Unix ms; accepted < invitation.expires
///       "invitation": bstr,    ; the inviter's vouch.invitation envelope, exactly as signed
///       "introduction": bstr   ; format 2 only: the introducer's vouch.introduction over that invitation
///     }
///
/// Format 1 accepts a direct invitation (format 1); format 2 an introduced one (format 2), and
/// carries the introducer's signed note, so the record proves who introduced the two
/// (Protocol/introductions.md §The connection record).
public struct Connection: Sendable, Equatable {
    /// The acceptance envelope: the connection record.
    public let record: SignedEnvelope
    public let invitation: SignedInvitation
    /// Unix ms of the acceptance: the connection exists since then.
    public let since: UInt64

    public var inviter: NodeID { invitation.inviter }
    public var invitee: NodeID { record.signer }
    public var relationship: Relationship { invitation.terms.relationship }
    public var context: String? { invitation.terms.context }
    /// The introducer's signed note: evidence, in the record, of who introduced the two.
    public let introduction: SignedIntroduction?
    /// Who introduced the two; nil for a connection made by a direct invitation.
    public var introducedBy: NodeID? { invitation.terms.introducer }

    /// SHA-256 of the record's bytes: what a removal names.
    public var id: [UInt8] { SHA256.hash(record.encoded) }

    /// The other side, seen from `node`; nil when `node` is in neither.
    public func peer(of node: NodeID) -> NodeID? {
        node == inviter ? invitee : node == invitee ? inviter : nil
    }

    /// The relationship as `node` reads it ("the other is my …"); nil when `node` is in neither.
    public func relationship(seenBy node: NodeID) -> Relationship? {
        node == inviter ? relationship : node == invitee ? relationship.inverse : nil
    }

    /// Verifies a `vouch.acceptance` document in the order of Protocol/invitations.md §Verifying an acceptance.
    /// Time does not matter here: an acceptance made in time stays valid however late it arrives.
    public init(verifying bytes: [UInt8]) throws {
        let record = try SignedEnvelope(verifying: bytes)
        try record.require(.acceptance)
        var fields = try CBORFields(try CBORValue(canonical: record.payload), context: "acceptance")
        let accepted = try fields.unsigned("accepted")
        let invitationBytes = try fields.bytes("invitation")
        let introductionBytes = record.formatVersion == 2 ? try fields.bytes("introduction") : nil
        try fields.finish()
        let invitation = try SignedInvitation(verifying: invitationBytes)
        guard invitation.envelope.formatVersion == record.formatVersion else {
            throw ProtocolError(.invalidValue, "a vouch.acceptance of format \(record.formatVersion) accepts a vouch.invitation of the same format, this one is \(invitation.envelope.formatVersion)")
        }
        guard record.signer == invitation.terms.invitee else {
            throw ProtocolError(.signerMismatch,
                                "the acceptance is signed by \(record.signer.shortForm), the invitation is for \(invitation.terms.invitee.shortForm)")
        }
        guard accepted < invitation.terms.expires else {
            throw ProtocolError(.expired, "accepted at \(accepted), the invitation expired at \(invitation.terms.expires)")
        }
        guard accepted + InvitationLimits.maximumClockSkew >= invitation.terms.created else {
            throw ProtocolError(.invalidValue, "accepted at \(accepted), before the invitation was made (\(invitation.terms.created))")
        }
        let introduction = try introductionBytes.map { try SignedIntroduction(verifying: $0, for: invitation) }
        // The target can only accept what was forwarded to it: a note dated after the acceptance
        // (beyond the clocks' difference) was not the one it accepted.
        if let introduction, introduction.created > accepted + InvitationLimits.maximumClockSkew {
            throw ProtocolError(.invalidValue, "the introducer's note is dated \(introduction.created), after the acceptance (\(accepted))")
        }
        self.introduction = introduction
        self.record = record
        self.invitation = invitation
        self.since = accepted
    }

    /// The invitee's acceptance of `invitation` at `accepted` (Unix ms), verified as any reader would.
    /// An introduced invitation is accepted together with the introducer's note (format 2).
    public static func accept(_ invitation: SignedInvitation, introduction: SignedIntroduction? = nil, accepted: UInt64,
                              with key: Ed25519PrivateKey) throws -> Connection {
        var payload: [String: CBORValue] = ["accepted": .unsigned(accepted), "invitation": .bytes(invitation.bytes)]
        if let introduction { payload["introduction"] = .bytes(introduction.envelope.encoded) }
        let envelope = try SignedEnvelope(signing: CBORValue.map(payload).encoded, type: .acceptance,
                                          formatVersion: introduction == nil ? 1 : 2, with: key)
        return try Connection(verifying: envelope.encoded)
    }
}
