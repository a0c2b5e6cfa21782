// Introductions (Protocol/introductions.md): asking a connection to introduce you, and the
// introducer's answers. The target of an introduction answers it as an invitation
// (`invitation.answer`); the requester withdraws and replies as for an invitation too.

/// `introduction.request`: ask the connection `via` to introduce this node's owner to `to`.
public struct IntroductionRequestRequest: AdminMethod {
    public typealias Response = IntroductionRequestResponse
    public static let name = "introduction.request"

    /// A connection: its node ID, or an unambiguous prefix of it.
    public var via: String
    /// The node ID of the person to be introduced to.
    public var to: String
    /// Private, for the introducer (required, the note rule).
    public var noteToIntroducer: String
    /// For the person asked for; the introducer reads it too (required, the note rule).
    public var noteToTarget: String
    public var relationship: String
    public var context: String?

    public init(via: String, to: String, noteToIntroducer: String, noteToTarget: String, relationship: String, context: String?) {
        self.via = via
        self.to = to
        self.noteToIntroducer = noteToIntroducer
        self.noteToTarget = noteToTarget
        self.relationship = relationship
        self.context = context
    }

    enum CodingKeys: String, CodingKey {
        case via, to, relationship, context
        case noteToIntroducer = "note_to_introducer", noteToTarget = "note_to_target"
    }
}

public struct IntroductionRequestResponse: Codable, Sendable, Equatable {
    /// The handle of the request among the owner's sent invitations (`vouch withdraw HANDLE`).
    public var handle: Int64
    public var invitation: String
    public var introducer: String
    public var target: String
    public var expiresAt: String
    public var message: String

    public init(handle: Int64, invitation: String, introducer: String, target: String, expiresAt: String, message: String) {
        self.handle = handle
        self.invitation = invitation
        self.introducer = introducer
        self.target = target
        self.expiresAt = expiresAt
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case handle, invitation, introducer, target, message
        case expiresAt = "expires_at"
    }
}

/// A request to introduce one of the owner's connections (the requester) to someone (the target).
public struct IntroductionRequestInfo: Codable, Sendable, Equatable {
    public var handle: Int64
    public var invitation: String
    public var requester: String
    public var requesterShortID: String
    public var target: String
    public var targetShortID: String
    /// Whether the owner holds a connection with the target: if not, it can only decline.
    public var connectedToTarget: Bool
    /// `pending`, `forwarded`, `not-forwarded`, `withdrawn` or `expired`.
    public var state: String
    /// The requester's note to the owner, and to the target.
    public var noteToIntroducer: String
    public var noteToTarget: String
    public var relationship: String
    public var context: String?
    /// The requester's card for everyone: its fields by name.
    public var card: [String: String]
    public var receivedAt: String
    public var expiresAt: String
    /// The owner's own note: signed for the target when forwarded, private for the requester when declined.
    public var yourNote: String?
    /// The target told the owner that it accepted.
    public var accepted: Bool

    public init(handle: Int64, invitation: String, requester: String, requesterShortID: String, target: String, targetShortID: String,
                connectedToTarget: Bool, state: String, noteToIntroducer: String, noteToTarget: String, relationship: String,
                context: String?, card: [String: String], receivedAt: String, expiresAt: String, yourNote: String?, accepted: Bool) {
        self.handle = handle
        self.invitation = invitation
        self.requester = requester
        self.requesterShortID = requesterShortID
        self.target = target
        self.targetShortID = targetShortID
        self.connectedToTarget = connectedToTarget
        self.state = state
        self.noteToIntroducer = noteToIntroducer
        self.noteToTarget = noteToTarget
        self.relationship = relationship
        self.context = context
        self.card = card
        self.receivedAt = receivedAt
        self.expiresAt = expiresAt
        self.yourNote = yourNote
        self.accepted = accepted
    }

    enum CodingKeys: String, CodingKey {
        case handle, invitation, requester, target, state, relationship, context, card, accepted
        case requesterShortID = "requester_short_id", targetShortID = "target_short_id", connectedToTarget = "connected_to_target"
        case noteToIntroducer = "note_to_introducer", noteToTarget = "note_to_target", receivedAt = "received_at", expiresAt = "expires_at"
        case yourNote = "your_note"
    }
}

/// What the introducer can do with a request.
public enum IntroductionCommand: String, Codable, Sendable, CaseIterable {
    case forward, decline
}

/// `introduction.answer`: forward a request (with the introducer's note, required) or decline it
/// (the note optional, private to the requester).
public struct IntroductionAnswerRequest: AdminMethod {
    public typealias Response = IntroductionAnswerResponse
    public static let name = "introduction.answer"

    public var command: IntroductionCommand
    public var handle: Int64
    public var note: String?

    public init(command: IntroductionCommand, handle: Int64, note: String?) {
        self.command = command
        self.handle = handle
        self.note = note
    }
}

public struct IntroductionAnswerResponse: Codable, Sendable, Equatable {
    public var handle: Int64
    public var requester: String
    public var target: String
    public var state: String

    public init(handle: Int64, requester: String, target: String, state: String) {
        self.handle = handle
        self.requester = requester
        self.target = target
        self.state = state
    }
}
