// Invitations (Protocol/invitations.md): sending one, the inbox, the owner's answers, the
// invitations sent. An invitation is named by its `handle`, a short local number.

/// `invitation.send`: sign an invitation to the node at `address` and queue it.
public struct InvitationSendRequest: AdminMethod {
    public typealias Response = InvitationSendResponse
    public static let name = "invitation.send"

    /// `NODE-ID@host:port`.
    public var address: String
    /// The personal note (required, not only white space, at most 1000 UTF-8 bytes).
    public var note: String
    /// One of the closed set of Protocol/invitations.md §2 (`colleague`, `classmate`, …).
    public var relationship: String
    /// How the two know each other, one line (required for `other`).
    public var context: String?
    /// Who may learn of the connection once made (`only-us`, `mutual`, `connections`, `everyone`;
    /// default `connections`): this side's choice (Protocol/disclosure.md).
    public var visibility: String?

    public init(address: String, note: String, relationship: String, context: String?, visibility: String? = nil) {
        self.address = address
        self.note = note
        self.relationship = relationship
        self.context = context
        self.visibility = visibility
    }
}

public struct InvitationSendResponse: Codable, Sendable, Equatable {
    public var handle: Int64
    /// The invitation's id (32 lowercase hex characters).
    public var invitation: String
    public var invitee: String
    public var relationship: String
    public var context: String?
    public var expiresAt: String
    /// The outbox message carrying it.
    public var message: String

    public init(handle: Int64, invitation: String, invitee: String, relationship: String, context: String?, expiresAt: String, message: String) {
        self.handle = handle
        self.invitation = invitation
        self.invitee = invitee
        self.relationship = relationship
        self.context = context
        self.expiresAt = expiresAt
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case handle, invitation, invitee, relationship, context, message
        case expiresAt = "expires_at"
    }
}

/// `invitation.inbox`: the invitations received, newest first: pending ones, or all with `all`.
public struct InboxRequest: AdminMethod {
    public typealias Response = InboxResponse
    public static let name = "invitation.inbox"

    public var all: Bool?

    public init(all: Bool? = nil) { self.all = all }
}

public struct InboxResponse: Codable, Sendable, Equatable {
    /// Invitations, direct ones and introductions offered to this node's owner.
    public var invitations: [ReceivedInvitationInfo]
    /// Requests to introduce one of the owner's connections to someone (Protocol/introductions.md).
    public var introductions: [IntroductionRequestInfo]

    public init(invitations: [ReceivedInvitationInfo], introductions: [IntroductionRequestInfo] = []) {
        self.invitations = invitations
        self.introductions = introductions
    }
}

/// A question or a reply attached to an invitation.
public struct ThreadEntryInfo: Codable, Sendable, Equatable {
    /// `question` (the invitee asks) or `reply` (the inviter answers).
    public var kind: String
    public var note: String
    public var at: String

    public init(kind: String, note: String, at: String) {
        self.kind = kind
        self.note = note
        self.at = at
    }
}

/// One received invitation. Everything but `handle`, `state` and the times comes from the
/// inviter: verified (signature, note digest, card signer), but its texts are theirs.
public struct ReceivedInvitationInfo: Codable, Sendable, Equatable {
    public var handle: Int64
    public var invitation: String
    public var inviter: String
    public var shortID: String
    /// `pending`, `accepted`, `declined`, `reported-spam`, `withdrawn` or `expired`.
    public var state: String
    public var note: String
    /// As the inviter states it ("you are my …").
    public var relationship: String
    /// The same, read from this side ("the inviter is my …").
    public var yourRelationship: String
    public var context: String?
    public var receivedAt: String
    public var expiresAt: String
    /// The inviter's card for everyone: its fields by name, and its endpoints.
    public var card: [String: String]
    public var endpoints: [String]
    public var thread: [ThreadEntryInfo]
    /// It crossed an invitation of ours to the same person, which was withdrawn for it.
    public var crossing: Bool
    /// The connection made by accepting it (hex), while held.
    public var connection: String?
    /// `invitation`, or `introduction` when a connection of the owner's introduced the inviter.
    public var kind: String
    /// The introducer's ID, and its signed note about the inviter.
    public var introducer: String?
    public var introducerNote: String?

    public init(handle: Int64, invitation: String, inviter: String, shortID: String, state: String, note: String, relationship: String,
                yourRelationship: String, context: String?, receivedAt: String, expiresAt: String, card: [String: String],
                endpoints: [String], thread: [ThreadEntryInfo], crossing: Bool, connection: String?,
                introducer: String? = nil, introducerNote: String? = nil) {
        self.kind = introducer == nil ? "invitation" : "introduction"
        self.introducer = introducer
        self.introducerNote = introducerNote
        self.handle = handle
        self.invitation = invitation
        self.inviter = inviter
        self.shortID = shortID
        self.state = state
        self.note = note
        self.relationship = relationship
        self.yourRelationship = yourRelationship
        self.context = context
        self.receivedAt = receivedAt
        self.expiresAt = expiresAt
        self.card = card
        self.endpoints = endpoints
        self.thread = thread
        self.crossing = crossing
        self.connection = connection
    }

    enum CodingKeys: String, CodingKey {
        case handle, invitation, inviter, state, note, relationship, context, card, endpoints, thread, crossing, connection, kind, introducer
        case shortID = "short_id", yourRelationship = "your_relationship", receivedAt = "received_at", expiresAt = "expires_at"
        case introducerNote = "introducer_note"
    }
}

/// `invitation.sent`: the invitations this node's owner sent, newest first. A declined one reads
/// `pending` until it expires: nothing tells the inviter otherwise.
public struct SentInvitationsRequest: AdminMethod {
    public typealias Response = SentInvitationsResponse
    public static let name = "invitation.sent"

    public init() {}
}

public struct SentInvitationsResponse: Codable, Sendable, Equatable {
    public var invitations: [SentInvitationInfo]

    public init(invitations: [SentInvitationInfo]) { self.invitations = invitations }
}

public struct SentInvitationInfo: Codable, Sendable, Equatable {
    public var handle: Int64
    public var invitation: String
    public var invitee: String
    public var shortID: String
    /// `pending`, `connected`, `withdrawn` or `expired`; for an introduction request `requested`
    /// (with the introducer) or `forwarded` (with the person asked for) instead of `pending`, and
    /// `not-forwarded`.
    public var state: String
    public var note: String
    public var relationship: String
    public var context: String?
    public var createdAt: String
    public var expiresAt: String
    public var thread: [ThreadEntryInfo]
    public var connection: String?
    /// `invitation`, or `introduction` for a request through an introducer.
    public var kind: String
    public var introducer: String?
    /// The introducer's private note when it did not pass the request on.
    public var introducerNote: String?

    public init(handle: Int64, invitation: String, invitee: String, shortID: String, state: String, note: String, relationship: String,
                context: String?, createdAt: String, expiresAt: String, thread: [ThreadEntryInfo], connection: String?,
                introducer: String? = nil, introducerNote: String? = nil) {
        self.kind = introducer == nil ? "invitation" : "introduction"
        self.introducer = introducer
        self.introducerNote = introducerNote
        self.handle = handle
        self.invitation = invitation
        self.invitee = invitee
        self.shortID = shortID
        self.state = state
        self.note = note
        self.relationship = relationship
        self.context = context
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.thread = thread
        self.connection = connection
    }

    enum CodingKeys: String, CodingKey {
        case handle, invitation, invitee, state, note, relationship, context, thread, connection, kind, introducer
        case shortID = "short_id", createdAt = "created_at", expiresAt = "expires_at", introducerNote = "introducer_note"
    }
}

/// What the owner can do to an invitation; one method name each.
public enum InvitationCommand: String, Codable, Sendable, CaseIterable {
    // Received invitations.
    case accept, decline
    case reportSpam = "report-spam"
    case askContext = "ask-context"
    // Sent invitations.
    case withdraw, reply
}

/// `invitation.answer`: run one owner command on an invitation (`note` for `ask-context` and `reply`).
/// The lifecycle refuses a command that makes no sense in the invitation's state with its code
/// (`invitation-expired`, `already-answered`, …) and changes nothing.
public struct InvitationAnswerRequest: AdminMethod {
    public typealias Response = InvitationAnswerResponse
    public static let name = "invitation.answer"

    public var command: InvitationCommand
    public var handle: Int64
    public var note: String?
    /// `accept` of an introduction: also tell the introducer (otherwise it learns nothing).
    public var tellIntroducer: Bool?
    /// `accept`: who may learn of the connection (as for `invitation.send`).
    public var visibility: String?

    public init(command: InvitationCommand, handle: Int64, note: String? = nil, tellIntroducer: Bool? = nil, visibility: String? = nil) {
        self.command = command
        self.handle = handle
        self.note = note
        self.tellIntroducer = tellIntroducer
        self.visibility = visibility
    }

    enum CodingKeys: String, CodingKey {
        case command, handle, note, visibility
        case tellIntroducer = "tell_introducer"
    }
}

public struct InvitationAnswerResponse: Codable, Sendable, Equatable {
    public var handle: Int64
    public var invitation: String
    /// The other side.
    public var peer: String
    /// The invitation's state afterwards.
    public var state: String
    /// The connection made (`accept`), hex.
    public var connection: String?

    public init(handle: Int64, invitation: String, peer: String, state: String, connection: String?) {
        self.handle = handle
        self.invitation = invitation
        self.peer = peer
        self.state = state
        self.connection = connection
    }
}
