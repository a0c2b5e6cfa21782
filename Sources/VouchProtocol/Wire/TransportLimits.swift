/// Every limit and timeout of the transport, in one place (Protocol/transport.md §Limits).
/// A node may be configured stricter; these are the values a peer can rely on.
public struct TransportLimits: Sendable, Equatable {
    /// Largest frame payload accepted (the 4-byte length prefix not counted).
    public var maximumFrameSize: Int = 262_144
    /// A handshake not finished after this long is aborted.
    public var handshakeTimeout: Duration = .seconds(10)
    /// An inbound connection whose first bytes (the ClientHello) have not arrived after this
    /// long is closed: a client sends its ClientHello as soon as TCP connects, so a silent
    /// connection is only holding a handshake slot.
    public var firstBytesTimeout: Duration = .seconds(3)
    /// With nothing received for this long, a session sends a ping.
    public var keepaliveInterval: Duration = .seconds(60)
    /// With nothing received for this long (pings included), a session is closed.
    public var idleTimeout: Duration = .seconds(180)
    /// A request without its reply after this long fails.
    public var requestTimeout: Duration = .seconds(30)
    /// Inbound sessions (authenticated or in handshake) a node holds at once.
    public var maximumInboundSessions: Int = 4096
    /// Inbound connections from one IP address at once.
    public var maximumSessionsPerAddress: Int = 32
    /// Inbound TLS handshakes in progress at once; a further connection takes the place of the
    /// oldest one in its handshake, a silent one first (`ConnectionAdmission`).
    public var maximumHandshakesInFlight: Int = 128
    /// The longest a message may live (expires_at − sent_at).
    public var maximumMessageLifetime: Duration = .seconds(30 * 24 * 3600)
    /// How far in the future a sent_at may be before the message is refused (clock skew).
    public var maximumClockSkew: Duration = .seconds(300)
    /// Messages one peer may send per second on a session, after a burst of `messageBurst`.
    /// Beyond it the node reads from that peer more slowly; nothing is refused.
    public var messageRate: Int = 200
    public var messageBurst: Int = 400
    /// Deliveries from one session being processed at once (stored, then acked); while this
    /// many are in flight the node stops reading from that peer.
    public var maximumDeliveriesInFlight: Int = 8
    /// Requests of ours waiting for a reply on one session.
    public var maximumPendingRequests: Int = 256
    /// A peer that reads none of our writes for this long is closed (reading from it stops at once).
    public var writeStallTimeout: Duration = .seconds(30)

    public init() {}

    public static let `default` = TransportLimits()
}

extension Duration {
    /// Whole milliseconds, for timestamps on the wire.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
