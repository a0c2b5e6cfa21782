// The two methods the server answers itself, before and instead of the node's handlers: they
// are about the admin connection, not the node.

/// `auth`: the first request of every connection, with the cookie the daemon wrote.
public struct AuthRequest: AdminMethod {
    public typealias Response = AuthResponse
    public static let name = "auth"

    public var cookie: String

    public init(cookie: String) { self.cookie = cookie }
}

public struct AuthResponse: Codable, Sendable, Equatable {
    /// Always true: a wrong cookie is an `auth-failed` error, not `false`.
    public var authenticated: Bool

    public init(authenticated: Bool) { self.authenticated = authenticated }
}

/// `events.follow`: turns the connection into a stream of events (Docs/admin-api.md §Events).
public struct EventsFollowRequest: AdminMethod {
    public typealias Response = EventsFollowResponse
    public static let name = "events.follow"

    /// Only events of these types; nil (or absent) for all.
    public var types: [String]?

    public init(types: [String]? = nil) { self.types = types }
}

public struct EventsFollowResponse: Codable, Sendable, Equatable {
    /// Always true; every event published after this answer is in the stream.
    public var following: Bool

    public init(following: Bool) { self.following = following }
}
