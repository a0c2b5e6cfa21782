public import VouchCrypto

/// The bodies of the introduction flow's messages (Protocol/introductions.md §Messages). Each is
/// exact: every key required unless marked optional, no other key. Signed documents inside are
/// only shaped here; `Invitation` and `SignedIntroduction` verify them.

/// Names one introduction request on every hop: the requester's key and the id of the
/// invitation the requester signed. Nodes key requests by this pair, so ids chosen by one
/// requester never collide with another's, and the introducer and the target name the same
/// request the same way.
public struct IntroductionReference: Sendable, Hashable, CustomStringConvertible {
    public var requester: NodeID
    public var request: InvitationID

    public init(requester: NodeID, request: InvitationID) {
        self.requester = requester
        self.request = request
    }

    /// Reads `requester` and `request` from `fields`.
    init(_ fields: inout CBORFields) throws {
        let key = try fields.bytes("requester", count: Ed25519.publicKeyByteCount)
        do {
            requester = NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: key))
        } catch let error as CryptoError {
            throw ProtocolError(.weakKey, "requester is refused: \(error.message)")
        }
        request = try InvitationID(bytes: try fields.bytes("request", count: InvitationID.byteCount))
    }

    var entries: [String: CBORValue] { ["requester": .bytes(requester.rawRepresentation), "request": .bytes(request.bytes)] }

    public var description: String { "\(requester.shortForm)/\(request)" }
}

/// `introduction-request` (requester → introducer): the invitation the requester signed for the
/// target, naming the introducer (format 2, with its note to the target, salt and card, as an
/// `invitation` body), and the requester's note to the introducer.
public struct IntroductionRequestBody: Sendable, Equatable {
    public var invitation: InvitationBody
    /// The requester's note to the introducer: the note rule (1 … 1000 bytes, not only white space).
    public var note: String

    public init(invitation: InvitationBody, note: String) {
        self.invitation = invitation
        self.note = note
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "introduction-request")
        invitation = try InvitationBody(try fields.require("invitation"))
        note = try fields.text("note")
        try fields.finish()
        try InvitationText.validateNote(note)
    }

    public var value: CBORValue { .map(["invitation": invitation.value, "note": .text(note)]) }
}

/// `introduction-offer` (introducer → target): the requester's invitation as received, and the
/// introducer's signed note over it (`vouch.introduction`).
public struct IntroductionOfferBody: Sendable, Equatable {
    public var invitation: InvitationBody
    public var introduction: [UInt8]

    public init(invitation: InvitationBody, introduction: [UInt8]) {
        self.invitation = invitation
        self.introduction = introduction
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "introduction-offer")
        introduction = try fields.bytes("introduction")
        invitation = try InvitationBody(try fields.require("invitation"))
        try fields.finish()
    }

    public var value: CBORValue { .map(["invitation": invitation.value, "introduction": .bytes(introduction)]) }
}

/// `introduction-forwarded` (introducer → requester), `introduction-withdrawal` (requester →
/// introducer, introducer → target) and `introduction-outcome` (target → introducer):
/// `{requester, request}`.
public struct IntroductionReferenceBody: Sendable, Equatable {
    public var reference: IntroductionReference

    public init(_ reference: IntroductionReference) { self.reference = reference }

    public init(_ value: CBORValue, context: String) throws {
        var fields = try CBORFields(value, context: context)
        reference = try IntroductionReference(&fields)
        try fields.finish()
    }

    public var value: CBORValue { .map(reference.entries) }
}

/// `introduction-question` (target → introducer → requester) and `introduction-reply`
/// (requester → introducer → target): `{requester, request, note}`, the note rule applies.
/// `introduction-not-forwarded` (introducer → requester): the same with the note optional.
public struct IntroductionNoteBody: Sendable, Equatable {
    public var reference: IntroductionReference
    public var note: String?

    public init(_ reference: IntroductionReference, note: String?) {
        self.reference = reference
        self.note = note
    }

    public init(_ value: CBORValue, context: String, noteRequired: Bool) throws {
        var fields = try CBORFields(value, context: context)
        reference = try IntroductionReference(&fields)
        note = noteRequired ? try fields.text("note") : try fields.optionalText("note")
        try fields.finish()
        if let note { try InvitationText.validateNote(note) }
    }

    public var value: CBORValue {
        var entries = reference.entries
        if let note { entries["note"] = .text(note) }
        return .map(entries)
    }
}
