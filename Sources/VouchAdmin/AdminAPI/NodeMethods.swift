// What the running node says about itself: `status` and `address`.

/// `status`: the node's identity, listen address, uptime, sessions and queue.
public struct StatusRequest: AdminMethod {
    public typealias Response = StatusResponse
    public static let name = "status"

    public init() {}
}

public struct StatusResponse: Codable, Sendable, Equatable {
    public var id: String
    public var shortID: String
    /// The address the peer listener is bound to, as configured (`host:port`).
    public var listen: String
    /// The address to give people (`NODE-ID@host:port`); nil when the node has none (its host
    /// name is not a valid endpoint host and config.json advertises nothing).
    public var address: String?
    public var uptimeSeconds: Int64
    /// The daemon's process ID (`vouch stop` waits for it to exit).
    public var pid: Int32
    public var sessions: [SessionInfo]
    public var sessionCount: Int
    /// Messages in the outbox, not yet acknowledged by their peer.
    public var queuedMessages: Int
    /// The relays the node joins (Protocol/relay.md), and whether it is joined now.
    public var relays: [RelayInfo]

    public init(id: String, shortID: String, listen: String, address: String?, uptimeSeconds: Int64, pid: Int32,
                sessions: [SessionInfo], queuedMessages: Int, relays: [RelayInfo] = []) {
        self.relays = relays
        self.id = id
        self.shortID = shortID
        self.listen = listen
        self.address = address
        self.uptimeSeconds = uptimeSeconds
        self.sessions = sessions
        self.sessionCount = sessions.count
        self.queuedMessages = queuedMessages
        self.pid = pid
    }

    enum CodingKeys: String, CodingKey {
        case id, listen, address, sessions, pid
        case shortID = "short_id", uptimeSeconds = "uptime_seconds", sessionCount = "session_count"
        case queuedMessages = "queued_messages"
        case relays
    }

    /// One relay: its URI, the endpoint others reach this node by through it, its state.
    public struct RelayInfo: Codable, Sendable, Equatable {
        public var uri: String
        public var endpoint: String
        public var joined: Bool
        /// Failed attempts in a row since the last join.
        public var failures: Int
        public var lastError: String?

        public init(uri: String, endpoint: String, joined: Bool, failures: Int, lastError: String?) {
            self.uri = uri
            self.endpoint = endpoint
            self.joined = joined
            self.failures = failures
            self.lastError = lastError
        }

        enum CodingKeys: String, CodingKey {
            case uri, endpoint, joined, failures
            case lastError = "last_error"
        }
    }

    /// One authenticated session with a peer.
    public struct SessionInfo: Codable, Sendable, Equatable {
        public var peer: String
        public var shortID: String
        /// `inbound` (the peer dialed) or `outbound` (this node dialed).
        public var direction: String
        /// The other end of the TCP connection (`host:port`): for an outbound session the
        /// endpoint this node dialed, for an inbound one the peer's source address.
        public var remote: String
        public var tlsVersion: String
        public var cipher: String

        public init(peer: String, shortID: String, direction: String, remote: String, tlsVersion: String, cipher: String) {
            self.peer = peer
            self.shortID = shortID
            self.direction = direction
            self.remote = remote
            self.tlsVersion = tlsVersion
            self.cipher = cipher
        }

        enum CodingKeys: String, CodingKey {
            case peer, direction, remote, cipher
            case shortID = "short_id", tlsVersion = "tls_version"
        }
    }
}

/// `address`: the string to give people, `NODE-ID@host:port`.
public struct AddressRequest: AdminMethod {
    public typealias Response = AddressResponse
    public static let name = "address"

    public init() {}
}

public struct AddressResponse: Codable, Sendable, Equatable {
    public var address: String

    public init(address: String) { self.address = address }
}

/// `stop`: the node shuts down gracefully, as on SIGTERM (sessions closed with close_notify,
/// nothing queued lost). The answer comes before the shutdown starts.
public struct StopRequest: AdminMethod {
    public typealias Response = StopResponse
    public static let name = "stop"

    public init() {}
}

public struct StopResponse: Codable, Sendable, Equatable {
    /// The process that is stopping.
    public var pid: Int32

    public init(pid: Int32) { self.pid = pid }
}

/// `relay.set`: the relays the running node uses from now on (`vouch relay add|remove` send the
/// list they wrote to config.json): it joins the new ones and leaves the others, without a
/// restart. Answers each relay's state, as `status` does.
public struct RelaySetRequest: AdminMethod {
    public typealias Response = RelaySetResponse
    public static let name = "relay.set"

    /// Relay URIs (`relay://HOST:PORT/?id=RELAY-ID`), in order.
    public var relays: [String]

    public init(relays: [String]) { self.relays = relays }
}

public struct RelaySetResponse: Codable, Sendable, Equatable {
    public var relays: [StatusResponse.RelayInfo]

    public init(relays: [StatusResponse.RelayInfo]) { self.relays = relays }
}
