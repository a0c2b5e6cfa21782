public import Logging
public import NIOCore
import NIOPosix
import Synchronization
public import VouchProtocol
public import VouchCrypto
public import VouchStore
public import VouchTLS
public import VouchAdmin

/// Everything a running node shares between its listener, sessions, outbox and admin API.
/// Immutable after start except for the thread-safe registries it holds.
public final class NodeRuntime: Sendable {
    public let identity: NodeID
    /// Signs documents the node sends (cards now; invitations and vouches later).
    public let identityKey: Ed25519PrivateKey
    public let tls: TLSConfiguration
    public let database: NodeDatabase
    public let config: NodeConfig
    public let limits: TransportLimits
    public let group: any EventLoopGroup
    public let sessions = SessionRegistry()
    public let logger: Logger
    public let startedAt = ContinuousClock.now
    let admission: InboundConnections
    private let serials = PThreadLocked<UInt64>(0)
    private let eventSink: @Sendable (String, [String: JSONValue]) -> Void
    /// Dials in progress, abandoned together at shutdown.
    let dials = DialRegistry()
    /// The relays the node has joined (`NodeService` starts them from config.json).
    let relays = RelayRegistry()
    /// Relay dials asked again because the session joins collided (`RelayDialRetry`): the
    /// benchmark reports it.
    let relayDialRetries = Atomic<Int>(0)
    /// How long this node, dialing, waits before joining a session at each relay.
    let relayJoinDelays = RelayJoinDelays()
    public var relayDialRetryCount: Int { relayDialRetries.load(ordering: .relaxed) }
    /// Wakes the outbox worker when a message is queued or a peer connects.
    let outboxWakeup = OutboxWakeup()
    /// Queues deliveries; the services send through it.
    let outbox: Outbox
    /// Profile cards: received, sent, listed.
    let cards: CardService
    /// The invitation flow: sent and received invitations, the owner's answers.
    let invitations: InvitationService
    /// The introduction flow in its three roles (requester, introducer, target).
    let introductions: IntroductionService
    /// Visibility of connections and the queries about them.
    let disclosure: DisclosureService
    /// The co-signed connection records.
    let connections: ConnectionService
    /// Blocked nodes and the recipient policy.
    let blocks: BlockService
    /// Where each inbound delivery goes, by type.
    package let deliveries: DeliveryRouter
    /// `vouch stop`: ends `NodeService.run` like SIGTERM does.
    let stopSignal = StopSignal()

    /// Lifetime of control messages (ping, pong, ack, error): they are answered at once or never.
    public static let controlMessageLifetime: UInt64 = 60_000

    public init(identityKey: Ed25519PrivateKey, tls: TLSConfiguration, database: NodeDatabase, config: NodeConfig,
                limits: TransportLimits, group: any EventLoopGroup, logger: Logger,
                events: @escaping @Sendable (String, [String: JSONValue]) -> Void) {
        self.identityKey = identityKey
        self.identity = NodeID(publicKey: identityKey.publicKey)
        self.tls = tls
        self.database = database
        self.config = config
        self.limits = limits
        self.group = group
        self.logger = logger
        self.eventSink = events
        self.admission = InboundConnections(limits: limits)
        let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void = { events($0.rawValue, $1) }
        let outbox = Outbox(database: database, wakeup: outboxWakeup, publish: publish)
        let cards = CardService(identityKey: identityKey, database: database, outbox: outbox, logger: logger, publish: publish)
        let invitations = InvitationService(identityKey: identityKey, database: database, config: config, outbox: outbox, logger: logger, publish: publish)
        let connections = ConnectionService(identityKey: identityKey, database: database, outbox: outbox, logger: logger, publish: publish)
        let introductions = IntroductionService(identityKey: identityKey, database: database, invitations: invitations, outbox: outbox,
                                                logger: logger, publish: publish)
        let disclosure = DisclosureService(identityKey: identityKey, database: database, outbox: outbox, logger: logger, publish: publish)
        self.outbox = outbox
        self.introductions = introductions
        self.disclosure = disclosure
        self.cards = cards
        self.invitations = invitations
        self.connections = connections
        self.blocks = BlockService(database: database, publish: publish)
        self.deliveries = DeliveryRouter(cards: cards, invitations: invitations, introductions: introductions, disclosure: disclosure,
                                         connections: connections, database: database, logger: logger)
    }

    func nextSessionSerial() -> UInt64 {
        serials.withLock { $0 += 1; return $0 }
    }

    public func publish(_ type: NodeEventType, _ data: [String: JSONValue]) {
        eventSink(type.rawValue, data)
    }

    /// A new message from this node with a fresh ID, stamped now.
    public func makeMessage(type: WireMessageType, to peer: NodeID, replyTo: MessageID? = nil, body: CBORValue = .map([:]),
                            lifetime: UInt64 = NodeRuntime.controlMessageLifetime) -> WireMessage {
        let now = Clock.nowMilliseconds()
        return WireMessage(type: type, replyTo: replyTo, sentAt: now, expiresAt: now + lifetime, recipient: peer, body: body)
    }

    /// Seconds since the node started.
    public var uptimeSeconds: Int64 { (ContinuousClock.now - startedAt).components.seconds }
}

/// A one-shot request to stop the node, from the admin API.
final class StopSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func request() { continuation.yield() }

    /// Returns once a stop is requested (or the waiting task is cancelled).
    func wait() async {
        for await _ in stream { return }
    }
}
