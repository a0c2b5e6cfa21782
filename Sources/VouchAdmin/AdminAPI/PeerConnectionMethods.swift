// Connections between people (Protocol/invitations.md §4): the co-signed records this node holds.
// Not to be confused with the admin connection (ConnectionMethods.swift). A connection is named
// by its id (SHA-256 of the record, the same on both nodes) or any unique prefix of it.

/// `connection.list`: every connection this node holds, newest first.
public struct ConnectionListRequest: AdminMethod {
    public typealias Response = ConnectionListResponse
    public static let name = "connection.list"

    public init() {}
}

public struct ConnectionListResponse: Codable, Sendable, Equatable {
    public var connections: [ConnectionInfo]

    public init(connections: [ConnectionInfo]) { self.connections = connections }
}

public struct ConnectionInfo: Codable, Sendable, Equatable {
    /// SHA-256 of the record (64 hex characters).
    public var id: String
    /// The other side.
    public var peer: String
    public var shortID: String
    /// The peer's name from the newest card held, if any.
    public var name: String?
    /// As this node's owner reads it ("the peer is my …").
    public var relationship: String
    public var context: String?
    /// When the invitee accepted, ISO 8601 UTC.
    public var since: String
    public var inviter: String
    public var invitee: String
    /// Who introduced the two, for a connection made through an introduction.
    public var introducedBy: String?
    /// Who may learn of it: this side's choice, the other side's (absent until its statement
    /// arrives) and the audience, the narrower of the two (Protocol/disclosure.md).
    public var visibility: String?
    public var peerVisibility: String?
    public var audience: String?

    public init(id: String, peer: String, shortID: String, name: String?, relationship: String, context: String?, since: String,
                inviter: String, invitee: String, introducedBy: String?, visibility: String? = nil, peerVisibility: String? = nil,
                audience: String? = nil) {
        self.visibility = visibility
        self.peerVisibility = peerVisibility
        self.audience = audience
        self.id = id
        self.peer = peer
        self.shortID = shortID
        self.name = name
        self.relationship = relationship
        self.context = context
        self.since = since
        self.inviter = inviter
        self.invitee = invitee
        self.introducedBy = introducedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, peer, name, relationship, context, since, inviter, invitee, visibility, audience
        case shortID = "short_id", introducedBy = "introduced_by", peerVisibility = "peer_visibility"
    }
}

/// `connection.show`: one connection with its record, armored (what `vouch connection export` writes).
public struct ConnectionShowRequest: AdminMethod {
    public typealias Response = ConnectionShowResponse
    public static let name = "connection.show"

    /// The connection's id or a unique prefix of it (at least 4 hex characters).
    public var id: String

    public init(id: String) { self.id = id }
}

public struct ConnectionShowResponse: Codable, Sendable, Equatable {
    public var connection: ConnectionInfo
    /// The acceptance envelope in the document armor: both signatures, checkable offline with `vouch verify`.
    public var record: String

    public init(connection: ConnectionInfo, record: String) {
        self.connection = connection
        self.record = record
    }
}

/// `connection.remove`: sign a removal, queue it for the other side, and drop the record.
public struct ConnectionRemoveRequest: AdminMethod {
    public typealias Response = ConnectionRemoveResponse
    public static let name = "connection.remove"

    public var id: String

    public init(id: String) { self.id = id }
}

public struct ConnectionRemoveResponse: Codable, Sendable, Equatable {
    public var id: String
    public var peer: String
    /// The outbox message carrying the removal.
    public var message: String

    public init(id: String, peer: String, message: String) {
        self.id = id
        self.peer = peer
        self.message = message
    }
}
