// Blocking nodes and the recipient policy (Protocol/invitations.md §6). Both are private: a
// blocked node's messages are acked and dropped, so it cannot tell it is blocked.

/// `block.add`: block a node by its ID.
public struct BlockAddRequest: AdminMethod {
    public typealias Response = BlockResponse
    public static let name = "block.add"

    public var node: String

    public init(node: String) { self.node = node }
}

/// `block.remove`: unblock a node.
public struct BlockRemoveRequest: AdminMethod {
    public typealias Response = BlockResponse
    public static let name = "block.remove"

    public var node: String

    public init(node: String) { self.node = node }
}

public struct BlockResponse: Codable, Sendable, Equatable {
    public var node: String
    /// Whether it is blocked now.
    public var blocked: Bool
    /// False when it already was (block) or was not (unblock).
    public var changed: Bool

    public init(node: String, blocked: Bool, changed: Bool) {
        self.node = node
        self.blocked = blocked
        self.changed = changed
    }
}

/// `block.list`: the blocked nodes, oldest first.
public struct BlockListRequest: AdminMethod {
    public typealias Response = BlockListResponse
    public static let name = "block.list"

    public init() {}
}

public struct BlockListResponse: Codable, Sendable, Equatable {
    public var blocked: [BlockedNodeInfo]

    public init(blocked: [BlockedNodeInfo]) { self.blocked = blocked }
}

public struct BlockedNodeInfo: Codable, Sendable, Equatable {
    public var node: String
    public var shortID: String
    public var since: String

    public init(node: String, shortID: String, since: String) {
        self.node = node
        self.shortID = shortID
        self.since = since
    }

    enum CodingKeys: String, CodingKey {
        case node, since
        case shortID = "short_id"
    }
}

/// `policy.show`: who may invite this node's owner, and the limits on invitations.
public struct PolicyShowRequest: AdminMethod {
    public typealias Response = PolicyResponse
    public static let name = "policy.show"

    public init() {}
}

/// `policy.set`: changes the members given, keeps the others.
public struct PolicySetRequest: AdminMethod {
    public typealias Response = PolicyResponse
    public static let name = "policy.set"

    /// `open`, `introduced` or `nobody`.
    public var whoMayInvite: String?
    public var minimumNoteLength: Int?
    public var maximumPending: Int?
    public var declineCooldownDays: Int?

    public init(whoMayInvite: String? = nil, minimumNoteLength: Int? = nil, maximumPending: Int? = nil, declineCooldownDays: Int? = nil) {
        self.whoMayInvite = whoMayInvite
        self.minimumNoteLength = minimumNoteLength
        self.maximumPending = maximumPending
        self.declineCooldownDays = declineCooldownDays
    }

    enum CodingKeys: String, CodingKey {
        case whoMayInvite = "who_may_invite", minimumNoteLength = "minimum_note_length", maximumPending = "maximum_pending",
             declineCooldownDays = "decline_cooldown_days"
    }
}

public struct PolicyResponse: Codable, Sendable, Equatable {
    public var whoMayInvite: String
    /// The least number of non-white-space characters a note must have.
    public var minimumNoteLength: Int
    /// The most invitations pending in the inbox at once.
    public var maximumPending: Int
    /// After a decline, how long new invitations from the same person are dropped.
    public var declineCooldownDays: Int

    public init(whoMayInvite: String, minimumNoteLength: Int, maximumPending: Int, declineCooldownDays: Int) {
        self.whoMayInvite = whoMayInvite
        self.minimumNoteLength = minimumNoteLength
        self.maximumPending = maximumPending
        self.declineCooldownDays = declineCooldownDays
    }

    enum CodingKeys: String, CodingKey {
        case whoMayInvite = "who_may_invite", minimumNoteLength = "minimum_note_length", maximumPending = "maximum_pending",
             declineCooldownDays = "decline_cooldown_days"
    }
}
