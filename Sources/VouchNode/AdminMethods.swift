import Foundation
import Logging
import NIOCore
public import VouchAdmin
import VouchCrypto
public import VouchProtocol
public import VouchStore
import VouchTLS

/// The node's admin API methods (Docs/admin-api.md §Methods). Requests and responses are the
/// shared types of `VouchAdmin/AdminAPI`; each returns what the CLI prints, so `vouch X --json`
/// and a script calling the method see the same facts.
extension NodeRuntime {
    public func adminRouter() -> AdminRouter {
        var router = AdminRouter()
        router.register(StatusRequest.self) { [self] _ in try status() }
        router.register(StopRequest.self) { [self] _ in
            stopSignal.request()
            return StopResponse(pid: getpid())
        }
        router.register(AddressRequest.self) { [self] _ in AddressResponse(address: try shareableAddress().description) }
        router.register(PingRequest.self) { [self] request in try await ping(request) }
        router.register(RelaySetRequest.self) { [self] request in try await setRelays(request) }
        router.register(CardSendRequest.self) { [self] request in try cards.send(to: try Self.address(request.address)) }
        router.register(CardListRequest.self) { [self] _ in try cards.list() }
        router.register(OutboxListRequest.self) { [self] _ in try outboxList() }
        router.register(InvitationSendRequest.self) { [self] request in try await invitations.send(request) }
        router.register(InboxRequest.self) { [self] request in
            var inbox = try invitations.inbox(all: request.all ?? false)
            inbox.introductions = try introductions.requests(all: request.all ?? false)
            return inbox
        }
        router.register(SentInvitationsRequest.self) { [self] _ in try invitations.sent() }
        router.register(InvitationAnswerRequest.self) { [self] request in try await invitations.answer(request) }
        router.register(IntroductionRequestRequest.self) { [self] request in try await introductions.request(request) }
        router.register(IntroductionAnswerRequest.self) { [self] request in try await introductions.answer(request) }
        router.register(ConnectionVisibilityRequest.self) { [self] request in try await disclosure.setVisibility(request) }
        router.register(ConnectionsOfRequest.self) { [self] request in
            let (address, session) = try await peerSession(request.peer)
            return try await disclosure.connectionsOf(address, session: session, runtime: self)
        }
        router.register(MutualRequest.self) { [self] request in
            let (address, session) = try await peerSession(request.peer)
            return try await disclosure.mutual(address, session: session, runtime: self)
        }
        router.register(WhoCanIntroduceRequest.self) { [self] request in
            let target: NodeID
            do {
                target = try NodeID(parsing: request.target)
            } catch {
                throw AdminError(.invalidParams, "who-can-introduce takes a full node ID: \(error)")
            }
            return try await disclosure.whoCanIntroduce(target, runtime: self)
        }
        router.register(ConnectionListRequest.self) { [self] _ in try connections.list() }
        router.register(ConnectionShowRequest.self) { [self] request in try connections.show(request.id) }
        router.register(ConnectionRemoveRequest.self) { [self] request in try await connections.remove(request.id) }
        router.register(BlockAddRequest.self) { [self] request in try await blocks.block(request.node, blocked: true) }
        router.register(BlockRemoveRequest.self) { [self] request in try await blocks.block(request.node, blocked: false) }
        router.register(BlockListRequest.self) { [self] _ in try blocks.list() }
        router.register(PolicyShowRequest.self) { [self] _ in try blocks.policy() }
        router.register(PolicySetRequest.self) { [self] request in try await blocks.setPolicy(request) }
        return router
    }

    /// A session with the peer `text` names: an address, or a connection (node ID or prefix) whose
    /// address this node knows.
    func peerSession(_ text: String) async throws -> (NodeAddress, PeerSession) {
        let address: NodeAddress
        if text.contains("@") {
            address = try Self.address(text)
        } else {
            let id = try ConnectionService.connectionPeer(text, in: database)
            guard let known = try database.peer(id) else {
                throw AdminError(.unreachable, "no address is known for \(id.shortForm): give it as NODE-ID@host:port")
            }
            guard known.id != identity else { throw AdminError(.ownAddress, "\(known.id.shortForm) is this node's own ID") }
            // Every endpoint known for it, direct first (Protocol/relay.md §5).
            do {
                let (session, dialed) = try await connect(to: known.id, endpoints: known.endpoints)
                return (NodeAddress(id: known.id, endpoint: dialed ?? known.endpoint), session)
            } catch {
                throw Self.connectionError(error, address: NodeAddress(id: known.id, endpoint: known.endpoint))
            }
        }
        guard address.id != identity else { throw AdminError(.ownAddress, "\(address.id.shortForm) is this node's own ID") }
        do {
            return (address, try await connect(to: address))
        } catch {
            throw Self.connectionError(error, address: address)
        }
    }

    /// The address to share: the first `advertise` endpoint, else the listen address (with the
    /// host name in place of a wildcard address).
    public func shareableAddress() throws -> NodeAddress {
        var current = config
        // `vouch relay add|remove` change the running node's relays (`relay.set`).
        if let relays = relays.uris { current.relays = relays }
        return try NodeRuntime.shareableAddress(id: identity, config: current, relayDevice: try relayCertificate.deviceID)
    }

    /// `relay.set`: the running node joins the relays it was not in and leaves those not listed
    /// (config.json is the CLI's to write); answers their state, as `status` does.
    func setRelays(_ request: RelaySetRequest) async throws -> RelaySetResponse {
        let uris = try request.relays.map { text in
            do { return try RelayURI(parsing: text) } catch let error as ProtocolError { throw AdminError(.invalidParams, error.message) }
        }
        try await relays.update(uris, runtime: self)
        return RelaySetResponse(relays: relayInfo())
    }

    private func relayInfo() -> [StatusResponse.RelayInfo] {
        relays.states.map { r in
            StatusResponse.RelayInfo(uri: r.uri.description, endpoint: r.endpoint.description, joined: r.joined,
                                     failures: r.failures, lastError: r.lastError)
        }
    }

    /// With no listener and nothing advertised, the first relay's endpoint (Protocol/relay.md
    /// §2.1), which needs the node's relay device ID (`relayDevice`: only a node holding its key
    /// can compute it).
    public static func shareableAddress(id: NodeID, config: NodeConfig, relayDevice: RelayDeviceID? = nil) throws -> NodeAddress {
        if let first = config.advertise.first { return NodeAddress(id: id, endpoint: first) }
        guard var endpoint = config.listen else {
            guard let relay = config.relays.first else {
                throw AdminError(.noEndpoint, "this node has no listener and no relay: `vouch relay add URI`, or set `listen` or `advertise` in config.json")
            }
            guard let relayDevice else {
                throw AdminError(.noEndpoint, "this node is reached through \(relay); start it (`vouch run`) to print its relay address")
            }
            return NodeAddress(id: id, endpoint: relay.endpoint(for: relayDevice))
        }
        if ["0.0.0.0", "::"].contains(endpoint.host) {
            endpoint = try Endpoint(host: ProcessInfo.processInfo.hostName, port: endpoint.port)
        }
        return NodeAddress(id: id, endpoint: endpoint)
    }

    func status() throws -> StatusResponse {
        let sessions = self.sessions.all.sorted { $0.peer < $1.peer }.map { s in
            StatusResponse.SessionInfo(peer: s.peer.description, shortID: s.peer.shortForm, direction: s.direction.rawValue,
                                       remote: Self.remoteEndpoint(of: s), tlsVersion: s.tls.protocolVersion, cipher: s.tls.cipher)
        }
        let relays = relayInfo()
        return StatusResponse(id: identity.description, shortID: identity.shortForm, listen: config.listen?.description ?? "none",
                              address: try? shareableAddress().description, uptimeSeconds: uptimeSeconds, pid: getpid(),
                              sessions: sessions, queuedMessages: try database.outboxCount(), relays: relays)
    }

    /// Pings over the live session with the address's node if there is one (its endpoint is then
    /// not contacted, and the response says so), else over a session dialed at the endpoint. A
    /// connection named by its ID (no `@`): at each endpoint known for it in dial order (direct
    /// first, relays after: Protocol/relay.md §5); the response names the one that answered.
    func ping(_ request: PingRequest) async throws -> PingResponse {
        let address: NodeAddress, endpoints: [Endpoint]
        if request.address.contains("@") {
            address = try Self.address(request.address)
            endpoints = [address.endpoint]
        } else {
            let id = try ConnectionService.connectionPeer(request.address, in: database)
            guard let known = try database.peer(id) else {
                throw AdminError(.unreachable, "no address is known for \(id.shortForm): give it as NODE-ID@host:port")
            }
            address = NodeAddress(id: known.id, endpoint: known.endpoints[0])
            endpoints = known.endpoints
        }
        guard address.id != identity else {
            throw AdminError(.ownAddress, "\(address.id.shortForm) is this node's own ID: a node does not ping itself")
        }
        let existing = sessions.session(for: address.id).flatMap { $0.channel.isActive ? $0 : nil }
        let started = ContinuousClock.now
        let session: PeerSession, used: Endpoint
        do {
            let (opened, dialed) = try await connect(to: address.id, endpoints: endpoints)
            (session, used) = (opened, dialed ?? address.endpoint)
        } catch {
            throw Self.connectionError(error, address: address)
        }
        // Dialed by this call only if it is a new outbound session: one that lost a simultaneous
        // dial is replaced by the peer's inbound session, which proves nothing about the endpoint.
        let dialed = session.serial != existing?.serial && session.direction == .outbound
        let connected = ContinuousClock.now
        let reply: WireMessage
        do {
            reply = try await session.request(makeMessage(type: .ping, to: address.id), timeout: limits.requestTimeout.timeAmount)
        } catch {
            throw Self.connectionError(error, address: address)
        }
        let rtt = ContinuousClock.now - connected
        guard reply.knownType == .pong else {
            let detail = (try? WireErrorBody(reply.body)).map { "\($0.code): \($0.message)" } ?? reply.type
            throw AdminError(.peerError, "\(address.id.shortForm) answered the ping with \(UntrustedText.escaped(detail))")
        }
        return PingResponse(peer: session.peer.description, shortID: session.peer.shortForm,
                            // Dialed through a relay: the relay endpoint it went through (the TCP peer is the relay).
                            endpoint: dialed && used.relay != nil ? used.description : Self.remoteEndpoint(of: session),
                            requestedEndpoint: address.endpoint.description,
                            direction: session.direction.rawValue, reusedSession: !dialed,
                            tlsVersion: session.tls.protocolVersion, cipher: session.tls.cipher, alpn: session.tls.applicationProtocol,
                            rttMilliseconds: Self.milliseconds(rtt),
                            connectMilliseconds: dialed ? Self.milliseconds(connected - started) : nil)
    }

    func outboxList() throws -> OutboxListResponse {
        let messages = try database.outbox().map { e in
            QueuedMessageInfo(message: e.messageID.description, peer: e.peer.description, type: e.type.rawValue,
                              attempts: e.attempts, nextAttemptAt: Self.isoTime(e.nextAttemptAt),
                              expiresAt: Self.isoTime(e.expiresAt), lastError: e.lastError)
        }
        return OutboxListResponse(messages: messages)
    }

    static func address(_ text: String) throws -> NodeAddress {
        do {
            return try NodeAddress(parsing: text)
        } catch let error as ProtocolError {
            throw AdminError(.invalidAddress, error.message)
        }
    }

    static func connectionError(_ error: any Error, address: NodeAddress) -> AdminError {
        switch error {
        case let tls as TLSError where tls.code == .peerKeyMismatch:
            return AdminError(.peerKeyMismatch, "the node at \(address.endpoint) is not \(address.id.shortForm): \(tls.message)")
        case let tls as TLSError:
            return AdminError(.tlsFailed, "TLS with \(address.endpoint) failed: \(tls.message)")
        case let session as SessionError:
            return AdminError(.unreachable, session.message)
        default:
            return AdminError(.unreachable, "cannot reach \(address.endpoint): \(error)")
        }
    }

    /// The other end of a session's TCP connection as `host:port` (`[v6]:port`). NIO keeps the
    /// address a socket was connected with after it closes, so it is known for every session.
    static func remoteEndpoint(of session: PeerSession) -> String {
        guard let remote = session.channel.remoteAddress, let host = remote.ipAddress, let port = remote.port else {
            return "unknown"
        }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func isoTime(_ milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
    }
}
