public import VouchCrypto

/// The limits of the invitation flow (Protocol/invitations.md §Limits), written once.
public enum InvitationLimits {
    /// The longest an invitation may be valid: `expires` − `created` ≤ 30 days (ms). Equal to the
    /// longest message lifetime, so the invitation message can live exactly as long as it.
    public static let maximumLifetime: UInt64 = 30 * 24 * 3_600_000
    /// What writers use unless the owner asks otherwise: two weeks (ms).
    public static let defaultLifetime: UInt64 = 14 * 24 * 3_600_000
    /// How far ahead of the reader's clock a `created` (or `accepted`, `removed`) may be, and how
    /// far before `created` an acceptance may be dated (the two clocks differ): 5 minutes (ms),
    /// as for messages (transport.md §4.1 check 6).
    public static let maximumClockSkew: UInt64 = 300_000
    /// Questions and replies on one invitation, together.
    public static let maximumThreadEntries = 10
}

/// The 16 random bytes naming an invitation. Unique per inviter: nodes key invitations by
/// (inviter, id), so another node reusing an id names a different invitation.
public struct InvitationID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let byteCount = 16
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(ProtocolError) {
        guard bytes.count == Self.byteCount else {
            throw ProtocolError(.invalidValue, "an invitation id is \(Self.byteCount) bytes, this is \(bytes.count)")
        }
        self.bytes = bytes
    }

    public static func random() -> InvitationID {
        do { return try InvitationID(bytes: SecureRandom.bytes(byteCount)) } catch { preconditionFailure("\(error)") }
    }

    public static func < (a: InvitationID, b: InvitationID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    public var description: String { Hex.encode(bytes) }
}

/// The signed terms of an invitation: the payload of a `vouch.invitation` document, format 1
/// (Protocol/invitations.md §The invitation).
///
///     {
///       "id": bstr .size 16,
///       "invitee": bstr .size 32,
///       "relationship": text,         ; Relationship
///       ? "context": text,            ; one line, 1 … 500 bytes; required when relationship is "other"
///       "created": uint,              ; Unix ms
///       "expires": uint,              ; Unix ms, created < expires ≤ created + 30 days
///       "note_digest": bstr .size 32, ; SHA-256 commitment to the note (NoteCommitment)
///       "introducer": bstr .size 32   ; format 2 only: who introduces the two (Protocol/introductions.md)
///     }
///
/// Format 1 is a direct invitation and has no `introducer`; format 2 is an introduction request
/// and must have one, so the introducer is signed by the inviter and countersigned by the invitee.
///
/// The note and the inviter's card are not in the terms: they travel beside the document in the
/// `invitation` message. The terms become part of the connection record, which may be shown to
/// others; a private note, or a card carrying the inviter's endpoints, must not go with it.
public struct InvitationTerms: Sendable, Equatable {
    public var id: InvitationID
    public var invitee: NodeID
    public var relationship: Relationship
    public var context: String?
    public var created: UInt64
    public var expires: UInt64
    public var noteDigest: [UInt8]
    /// The connection of both who introduces them; nil for a direct invitation.
    public var introducer: NodeID?

    /// The `vouch.invitation` format these terms are written in: 2 when they name an introducer.
    public var format: UInt64 { introducer == nil ? 1 : 2 }

    public init(id: InvitationID, invitee: NodeID, relationship: Relationship, context: String?, created: UInt64,
                expires: UInt64, noteDigest: [UInt8], introducer: NodeID? = nil) {
        self.id = id
        self.invitee = invitee
        self.relationship = relationship
        self.context = context
        self.created = created
        self.expires = expires
        self.noteDigest = noteDigest
        self.introducer = introducer
    }

    public var payload: CBORValue {
        var map: [String: CBORValue] = [
            "id": .bytes(id.bytes), "invitee": .bytes(invitee.rawRepresentation), "relationship": .text(relationship.rawValue),
            "created": .unsigned(created), "expires": .unsigned(expires), "note_digest": .bytes(noteDigest),
        ]
        if let context { map["context"] = .text(context) }
        if let introducer { map["introducer"] = .bytes(introducer.rawRepresentation) }
        return .map(map)
    }

    /// Reads a payload of `format` in the order of Protocol/invitations.md §Reading the terms
    /// (format 2: Protocol/introductions.md §The introduced invitation).
    public init(payload bytes: [UInt8], format: UInt64 = 1) throws {
        var top = try CBORFields(try CBORValue(canonical: bytes), context: "invitation")
        id = try InvitationID(bytes: try top.bytes("id", count: InvitationID.byteCount))
        invitee = try Self.key(try top.bytes("invitee", count: Ed25519.publicKeyByteCount), field: "invitee")
        relationship = try Relationship(name: try top.text("relationship"))
        context = try top.optionalText("context")
        if let context { try InvitationText.validateContext(context) }
        created = try top.unsigned("created")
        expires = try top.unsigned("expires")
        noteDigest = try top.bytes("note_digest", count: SHA256.byteCount)
        introducer = format == 2 ? try Self.key(try top.bytes("introducer", count: Ed25519.publicKeyByteCount), field: "introducer") : nil
        try top.finish()
        try validate()
    }

    /// The rules between fields, also applied before signing.
    public func validate() throws(ProtocolError) {
        try ProtocolInteger.check(created, field: "invitation.created")
        try ProtocolInteger.check(expires, field: "invitation.expires")
        guard created < expires else {
            throw ProtocolError(.invalidValue, "invitation.expires (\(expires)) must be after created (\(created))")
        }
        guard expires - created <= InvitationLimits.maximumLifetime else {
            throw ProtocolError(.invalidValue, "an invitation is valid for at most 30 days; this one for \(expires - created) ms")
        }
        if relationship == .other && context == nil {
            throw ProtocolError(.missingField, "an invitation with relationship \"other\" must say how in its context")
        }
        if introducer == invitee {
            throw ProtocolError(.invalidValue, "an invitation cannot be introduced by its own invitee")
        }
    }

    /// A node key in the terms, refused with `weak-key` by the key policy of identity.md.
    private static func key(_ bytes: [UInt8], field: String) throws -> NodeID {
        do {
            return NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: bytes))
        } catch let error as CryptoError {
            throw ProtocolError(.weakKey, "invitation.\(field) is refused: \(error.message)")
        }
    }

    public func signed(with key: Ed25519PrivateKey) throws -> SignedEnvelope {
        try validate()
        let signer = NodeID(publicKey: key.publicKey)
        guard invitee != signer else {
            throw ProtocolError(.selfInvitation, "an invitation cannot be addressed to its own signer")
        }
        guard introducer != signer else {
            throw ProtocolError(.invalidValue, "an invitation cannot be introduced by its own signer")
        }
        return try SignedEnvelope(signing: payload.encoded, type: .invitation, formatVersion: format, with: key)
    }
}

/// The commitment that binds the note to the signed terms without putting the note in them:
///
///     note_digest = SHA-256(canonical CBOR of ["vouch.invitation note", salt: bstr .size 16, note: text])
///
/// The 16 random salt bytes travel with the note; without them the digest cannot be tested
/// against guessed notes ("Hi", "Let's connect"), so a connection record that carries the
/// digest reveals nothing of the note.
public enum NoteCommitment {
    public static let context = "vouch.invitation note"
    public static let saltByteCount = 16

    public static func digest(note: String, salt: [UInt8]) -> [UInt8] {
        SHA256.hash(CBORValue.array([.text(context), .bytes(salt), .text(note)]).encoded)
    }
}
