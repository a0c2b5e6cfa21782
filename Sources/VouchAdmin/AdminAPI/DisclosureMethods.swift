// Disclosure (Protocol/disclosure.md): who may learn of a connection, and the queries that ask
// another node about its connections. A peer is named by its address (`NODE-ID@host:port`), or by
// the node ID (or a unique prefix of at least 4 characters) of a node this one knows the address of.

/// `connection.visibility`: choose who may learn of one connection; the other side is told.
public struct ConnectionVisibilityRequest: AdminMethod {
    public typealias Response = ConnectionVisibilityResponse
    public static let name = "connection.visibility"

    /// The connection's id or a unique prefix (≥ 4 hex characters).
    public var id: String
    /// `only-us`, `mutual`, `connections` or `everyone`.
    public var level: String

    public init(id: String, level: String) {
        self.id = id
        self.level = level
    }
}

public struct ConnectionVisibilityResponse: Codable, Sendable, Equatable {
    public var id: String
    public var peer: String
    /// This side's choice, the other side's (absent until its statement arrives), and the audience:
    /// the narrower of the two (`only-us` while the other's is not known).
    public var visibility: String
    public var peerVisibility: String?
    public var audience: String

    public init(id: String, peer: String, visibility: String, peerVisibility: String?, audience: String) {
        self.id = id
        self.peer = peer
        self.visibility = visibility
        self.peerVisibility = peerVisibility
        self.audience = audience
    }

    enum CodingKeys: String, CodingKey {
        case id, peer, visibility, audience
        case peerVisibility = "peer_visibility"
    }
}

/// `disclosure.connections-of`: the connections of `peer` that its node lets this one know of,
/// each record verified here (both signatures, and that it is a connection of `peer`).
public struct ConnectionsOfRequest: AdminMethod {
    public typealias Response = ConnectionsOfResponse
    public static let name = "disclosure.connections-of"

    public var peer: String

    public init(peer: String) { self.peer = peer }
}

public struct ConnectionsOfResponse: Codable, Sendable, Equatable {
    public var peer: String
    public var connections: [DisclosedConnectionInfo]
    /// Records the peer sent that did not verify or were not its own, left out.
    public var refused: Int

    public init(peer: String, connections: [DisclosedConnectionInfo], refused: Int) {
        self.peer = peer
        self.connections = connections
        self.refused = refused
    }
}

/// A connection another node disclosed, verified.
public struct DisclosedConnectionInfo: Codable, Sendable, Equatable {
    public var id: String
    /// The other side (not the peer asked).
    public var node: String
    public var shortID: String
    /// The name from a card this node holds of `node`, if any.
    public var name: String?
    /// As the inviter states it.
    public var relationship: String
    public var context: String?
    public var since: String
    public var inviter: String
    public var invitee: String
    public var introducedBy: String?

    public init(id: String, node: String, shortID: String, name: String?, relationship: String, context: String?, since: String,
                inviter: String, invitee: String, introducedBy: String?) {
        self.id = id
        self.node = node
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
        case id, node, name, relationship, context, since, inviter, invitee
        case shortID = "short_id", introducedBy = "introduced_by"
    }
}

/// `disclosure.mutual`: the connections this node and `peer` have in common, found by private set
/// intersection: neither learns anything of the other's other connections.
public struct MutualRequest: AdminMethod {
    public typealias Response = MutualResponse
    public static let name = "disclosure.mutual"

    public var peer: String

    public init(peer: String) { self.peer = peer }
}

public struct MutualResponse: Codable, Sendable, Equatable {
    public var peer: String
    public var mutual: [PersonInfo]

    public init(peer: String, mutual: [PersonInfo]) {
        self.peer = peer
        self.mutual = mutual
    }
}

/// A person, by node ID, with the name from the newest card held.
public struct PersonInfo: Codable, Sendable, Equatable {
    public var node: String
    public var shortID: String
    public var name: String?

    public init(node: String, shortID: String, name: String?) {
        self.node = node
        self.shortID = shortID
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case node, name
        case shortID = "short_id"
    }
}

/// `disclosure.who-can-introduce`: asks each of this node's connections whether it can introduce
/// the owner to `target`; each answers only if its own connection with `target` allows it.
public struct WhoCanIntroduceRequest: AdminMethod {
    public typealias Response = WhoCanIntroduceResponse
    public static let name = "disclosure.who-can-introduce"

    /// A node ID.
    public var target: String

    public init(target: String) { self.target = target }
}

public struct WhoCanIntroduceResponse: Codable, Sendable, Equatable {
    public var target: String
    /// Connections whose co-signed record with the target was shown and verified.
    public var introducers: [PersonInfo]
    /// Connections that could not be asked now (offline, or too many questions lately).
    public var unreachable: [PersonInfo]

    public init(target: String, introducers: [PersonInfo], unreachable: [PersonInfo]) {
        self.target = target
        self.introducers = introducers
        self.unreachable = unreachable
    }
}
