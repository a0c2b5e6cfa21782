public import VouchCrypto

/// A connection: the invitee's `vouch.acceptance` over the inviter's exact `vouch.invitation`,
/// verified (Protocol/invitations.md §The acceptance). The acceptance envelope is the record:
/// both nodes keep the same bytes, and anyone holding them can check both signatures.
///
///     acceptance = {
///       "accepted": uint,     ; Unix ms; accepted < invitation.expires
///       "invitation": bstr    ; the inviter's vouch.invitation envelope, exactly as signed
///     }
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
    /// Who introduced the two. Always nil in format 1: the introductions flow adds it in a later
    /// format of `vouch.invitation`, where a format 1 reader refuses it (`unsupported-version`)
    /// instead of misreading a connection as unintroduced.
    public var introducedBy: NodeID? { nil }

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
        try fields.finish()
        let invitation = try SignedInvitation(verifying: invitationBytes)
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
        self.record = record
        self.invitation = invitation
        self.since = accepted
    }

    /// The invitee's acceptance of `invitation` at `accepted` (Unix ms), verified as any reader would.
    public static func accept(_ invitation: SignedInvitation, accepted: UInt64, with key: Ed25519PrivateKey) throws -> Connection {
        let payload = CBORValue.map(["accepted": .unsigned(accepted), "invitation": .bytes(invitation.bytes)])
        let envelope = try SignedEnvelope(signing: payload.encoded, type: .acceptance, formatVersion: 1, with: key)
        return try Connection(verifying: envelope.encoded)
    }
}
