/// `ping`: prove who answers at an address and measure the round trip of a ping message.
///
/// With a live session to the address's node the ping goes over that session and the address's
/// endpoint is not contacted; the response says so (`reused_session`, and `endpoint` is where
/// the session actually goes), so an address with a wrong port never reads as a checked one.
public struct PingRequest: AdminMethod {
    public typealias Response = PingResponse
    public static let name = "ping"

    /// `NODE-ID@host:port`, or a connection's node ID or prefix (then every endpoint known for it
    /// is tried, direct first, relays after).
    public var address: String

    public init(address: String) { self.address = address }
}

public struct PingResponse: Codable, Sendable, Equatable {
    public var peer: String
    public var shortID: String
    /// The other end of the connection the ping went over (`host:port`): the endpoint dialed for
    /// a new session; for an existing one, the endpoint it was dialed at (outbound) or the peer's
    /// source address (inbound), which need not be the endpoint in the request.
    public var endpoint: String
    /// The endpoint in the request, as given.
    public var requestedEndpoint: String
    /// `inbound` or `outbound`: who opened the session the ping went over.
    public var direction: String
    /// True when the ping used a session that was open already: `requested_endpoint` was not
    /// contacted.
    public var reusedSession: Bool
    public var tlsVersion: String
    public var cipher: String
    public var alpn: String
    /// Milliseconds from sending the ping to receiving the pong.
    public var rttMilliseconds: Double
    /// Milliseconds to connect and complete the TLS handshake; absent for a reused session.
    public var connectMilliseconds: Double?

    public init(peer: String, shortID: String, endpoint: String, requestedEndpoint: String, direction: String,
                reusedSession: Bool, tlsVersion: String, cipher: String, alpn: String,
                rttMilliseconds: Double, connectMilliseconds: Double?) {
        self.peer = peer
        self.shortID = shortID
        self.endpoint = endpoint
        self.requestedEndpoint = requestedEndpoint
        self.direction = direction
        self.reusedSession = reusedSession
        self.tlsVersion = tlsVersion
        self.cipher = cipher
        self.alpn = alpn
        self.rttMilliseconds = rttMilliseconds
        self.connectMilliseconds = connectMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case peer, endpoint, direction, cipher, alpn
        case shortID = "short_id", requestedEndpoint = "requested_endpoint", reusedSession = "reused_session"
        case tlsVersion = "tls_version", rttMilliseconds = "rtt_ms", connectMilliseconds = "connect_ms"
    }
}
