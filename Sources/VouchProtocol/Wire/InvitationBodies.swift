/// The bodies of the invitation flow's messages (Protocol/invitations.md §Messages). Each is
/// exact: every key required, no other key. Signed documents inside are only shaped here; the
/// flow's checks (`Invitation`, `Connection`, `ConnectionRemoval`) verify them.

/// `invitation`: `{document, note, salt, card}`: the signed terms, the personal note and the salt
/// that bind it to the terms' `note_digest`, and the inviter's signed profile view for everyone.
public struct InvitationBody: Sendable, Equatable {
    public var document: [UInt8]
    public var note: String
    public var salt: [UInt8]
    public var card: [UInt8]

    public init(document: [UInt8], note: String, salt: [UInt8], card: [UInt8]) {
        self.document = document
        self.note = note
        self.salt = salt
        self.card = card
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "invitation")
        card = try fields.bytes("card")
        document = try fields.bytes("document")
        note = try fields.text("note")
        salt = try fields.bytes("salt", count: NoteCommitment.saltByteCount)
        try fields.finish()
    }

    public var value: CBORValue {
        .map(["document": .bytes(document), "note": .text(note), "salt": .bytes(salt), "card": .bytes(card)])
    }
}

/// `invitation-question` (the invitee asks for context) and `invitation-reply` (the inviter
/// answers): `{invitation: bstr .size 16, note: text}`. The note follows the note rule, so a
/// question or reply of white space only is not a valid body.
public struct InvitationNoteBody: Sendable, Equatable {
    public var invitation: InvitationID
    public var note: String

    public init(invitation: InvitationID, note: String) {
        self.invitation = invitation
        self.note = note
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "body")
        invitation = try InvitationID(bytes: try fields.bytes("invitation", count: InvitationID.byteCount))
        note = try fields.text("note")
        try fields.finish()
        try InvitationText.validateNote(note)
    }

    public var value: CBORValue { .map(["invitation": .bytes(invitation.bytes), "note": .text(note)]) }
}

/// `invitation-withdrawal`: `{invitation: bstr .size 16}`, sent by the inviter.
public struct InvitationWithdrawalBody: Sendable, Equatable {
    public var invitation: InvitationID

    public init(invitation: InvitationID) { self.invitation = invitation }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "invitation-withdrawal")
        invitation = try InvitationID(bytes: try fields.bytes("invitation", count: InvitationID.byteCount))
        try fields.finish()
    }

    public var value: CBORValue { .map(["invitation": .bytes(invitation.bytes)]) }
}

/// `acceptance` and `connection-removal`: `{document: bstr}`, a signed `vouch.acceptance` or
/// `vouch.connection-removal` document.
public struct SignedDocumentBody: Sendable, Equatable {
    public var document: [UInt8]

    public init(document: [UInt8]) { self.document = document }

    public init(_ value: CBORValue, context: String) throws {
        var fields = try CBORFields(value, context: context)
        document = try fields.bytes("document")
        try fields.finish()
    }

    public var value: CBORValue { .map(["document": .bytes(document)]) }
}
