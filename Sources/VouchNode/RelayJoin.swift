import Logging
import NIOCore
import NIOPosix
import Synchronization
public import VouchProtocol
import VouchCrypto
import VouchTLS

/// What `vouch status` shows for one relay.
public struct RelayState: Sendable, Equatable {
    public let uri: RelayURI
    /// The endpoint others reach this node by through the relay.
    public let endpoint: Endpoint
    public let joined: Bool
    public let failures: Int
    public let lastError: String?
}

/// The node's permanent session with one relay (Protocol/relay.md §4): runs `RelayJoinMachine`
/// on one event loop, and opens the sessions the relay invites it to, each of which becomes an
/// inbound vouch/1 session exactly as if it had come through the listener.
///
/// `@unchecked Sendable`: every mutable property is touched only on `eventLoop`.
final class RelayJoin: @unchecked Sendable {
    let uri: RelayURI
    let endpoint: Endpoint
    private let runtime: NodeRuntime
    private let tls: TLSConfiguration
    private let eventLoop: any EventLoop
    private var logger: Logger
    private var machine: RelayJoinMachine
    private var channel: (any Channel)?
    private var timer: Scheduled<Void>?
    /// Invited sessions connected but not established yet, by the machine's id.
    private var sessionChannels: [Int: any Channel] = [:]
    /// Invited sessions abandoned before their connection was made.
    private var abandoned: Set<Int> = []
    private let snapshot: PThreadLocked<(joined: Bool, failures: Int, lastError: String?)> = PThreadLocked((false, 0, nil))

    init(uri: RelayURI, runtime: NodeRuntime, tls: TLSConfiguration, device: RelayDeviceID) {
        self.uri = uri
        self.endpoint = uri.endpoint(for: device)
        self.runtime = runtime
        self.tls = tls
        self.eventLoop = runtime.group.next()
        machine = RelayJoinMachine(maximumSessions: runtime.limits.maximumInboundSessions / 2)
        logger = runtime.logger
        logger[metadataKey: "relay"] = .string(uri.description)
    }

    var state: RelayState {
        let s = snapshot.withLock { $0 }
        return RelayState(uri: uri, endpoint: endpoint, joined: s.joined, failures: s.failures, lastError: s.lastError)
    }

    func start() {
        eventLoop.execute { [self] in run(machine.start(now: RelayClock.now())) }
    }

    func stop() async {
        try? await eventLoop.submit { [self] in
            run(machine.stop())
            timer?.cancel()
        }.get()
    }

    // MARK: Events from the connection's handler (on the event loop)

    func handshakeCompleted() { run(machine.connected(now: RelayClock.now())) }

    func received(_ message: RelayMessage) { run(machine.received(message, now: RelayClock.now())) }

    func connectionEnded(_ reason: String) {
        channel = nil
        run(machine.connectionFailed(reason, now: RelayClock.now(), jitter: Double.random(in: 0..<1)))
    }

    // MARK: Actions

    private func run(_ actions: [RelayJoinMachine.Action]) {
        for action in actions {
            switch action {
            case .connect: connect()
            case .send(let message): channel?.writeAndFlush(message, promise: nil)
            case .close(let reason):
                logger.info("closing the relay session", metadata: ["reason": .string(reason)])
                channel?.close(promise: nil)
            case .openSession(let invitation, let id): openSession(invitation, id: id)
            case .abandonSession(let id):
                if let channel = sessionChannels.removeValue(forKey: id) { channel.close(promise: nil) } else { abandoned.insert(id) }
            case .wakeAt(let time):
                timer?.cancel()
                timer = eventLoop.scheduleTask(deadline: RelayClock.deadline(time)) { [self] in
                    run(machine.timerFired(now: RelayClock.now()))
                }
            }
        }
        let joined = machine.isJoined, failures = machine.failures, lastError = machine.lastError
        let was = snapshot.withLock { state in
            defer { state = (joined, failures, lastError) }
            return state.joined
        }
        if joined && !was { logger.info("joined the relay", metadata: ["endpoint": .string(endpoint.description)]) }
    }

    private func connect() {
        let digest = uri.id.bytes, tls = self.tls, logger = self.logger
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(VouchTLSHandler(role: .relayClient(certificateDigest: digest), configuration: tls, logger: logger))
                    try sync.addHandler(RelayMessageHandler())
                    try sync.addHandler(RelayJoinHandler(join: self))
                }
            }
            .connect(host: uri.endpoint.host, port: Int(uri.endpoint.port))
            .hop(to: eventLoop)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    if case .stopped = machine.phase { channel.close(promise: nil) } else { self.channel = channel }
                case .failure(let error):
                    connectionEnded("cannot connect to the relay: \(NodeRuntime.describeConnectFailure(error))")
                }
            }
    }

    /// Session mode at the relay's own host (never elsewhere: a relay cannot point the node at
    /// another machine) and the invitation's port; the node is the TLS server.
    private func openSession(_ invitation: RelaySessionInvitation, id: Int) {
        let established = eventLoop.makePromise(of: PeerSession.self)
        let remote = "relay \(uri.endpoint)"
        established.futureResult.hop(to: eventLoop).whenComplete { [self] result in
            sessionChannels[id] = nil
            abandoned.remove(id)
            switch result {
            case .success(let session):
                machine.sessionOpened(id: id, established: true)
                session.channel.closeFuture.hop(to: eventLoop).whenComplete { [self] _ in machine.sessionClosed() }
            case .failure(let error):
                machine.sessionOpened(id: id, established: false)
                logger.info("a relayed session did not open", metadata: ["error": .string("\(error)")])
            }
        }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [runtime] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RelaySessionHandler(
                        runtime: runtime, invitation: invitation, role: .server, direction: .inbound,
                        remoteAddress: remote, established: established))
                }
            }
            .connect(host: uri.endpoint.host, port: Int(invitation.port))
            .hop(to: eventLoop)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    // Runs before the session can end (the connect completes before the
                    // channel is active), so `established` removes what this stores.
                    if abandoned.remove(id) != nil { channel.close(promise: nil) } else { sessionChannels[id] = channel }
                case .failure(let error):
                    established.fail(error)
                }
            }
    }
}

/// Feeds a relay connection's events to its `RelayJoin`.
final class RelayJoinHandler: ChannelInboundHandler {
    typealias InboundIn = RelayMessage

    private let join: RelayJoin
    private var error: String?

    init(join: RelayJoin) { self.join = join }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RelayTLSHandshakeCompleted { join.handshakeCompleted() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        join.received(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.error == nil { self.error = "\(error)" }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        join.connectionEnded(error ?? "the relay closed the connection")
        context.fireChannelInactive()
    }
}

/// The `RelayJoinDelay` a dialer has learned for each relay it dialed through, at most
/// `maximumRelays` of them (a forgotten relay starts again at the minimum).
final class RelayJoinDelays: Sendable {
    static let maximumRelays = 64
    private let delays = PThreadLocked<[Endpoint: RelayJoinDelay]>([:])

    func learnt(for relay: Endpoint) -> RelayJoinDelay {
        delays.withLock { $0[relay] ?? RelayJoinDelay() }
    }

    func update(_ relay: Endpoint, _ change: (inout RelayJoinDelay) -> Void) {
        delays.withLock { delays in
            if delays[relay] == nil, delays.count >= Self.maximumRelays { delays.removeAll() }
            change(&delays[relay, default: RelayJoinDelay()])
        }
    }
}

/// Where the running node keeps its relay joins, for `vouch status`, `vouch relay add|remove`
/// on the running node, and shutdown.
final class RelayRegistry: Sendable {
    /// nil until the node sets its relays (then the running list, in config.json's order).
    private let joins = PThreadLocked<[RelayJoin]?>(nil)

    /// The relays the running node uses now, if it has set them.
    var uris: [RelayURI]? { joins.withLock { $0?.map(\.uri) } }

    var states: [RelayState] { joins.withLock { $0 ?? [] }.map(\.state) }

    /// Joins the relays of `uris` not joined yet and leaves those no longer in it; the ones in
    /// both keep their session. The list changes at once (under the lock); leaving a relay
    /// finishes before this returns.
    func update(_ uris: [RelayURI], runtime: NodeRuntime) async throws {
        let removed = try joins.withLock { joins -> [RelayJoin] in
            let current = joins ?? []
            let kept = current.filter { uris.contains($0.uri) }
            let new = try runtime.makeRelayJoins(uris.filter { uri in !kept.contains { $0.uri == uri } })
            joins = uris.compactMap { uri in kept.first { $0.uri == uri } ?? new.first { $0.uri == uri } }
            for join in new { join.start() }
            return current.filter { !uris.contains($0.uri) }
        }
        for join in removed { await join.stop() }
    }

    func stop() async {
        guard let joins = self.joins.withLock({ j -> [RelayJoin]? in defer { j = [] }; return j }) else { return }
        for join in joins { await join.stop() }
    }
}

/// The relays a node has joined. Started by the node (or a test) and stopped with it.
public final class RelayJoins: Sendable {
    private let joins: [RelayJoin]

    init(_ joins: [RelayJoin]) { self.joins = joins }

    public var states: [RelayState] { joins.map(\.state) }

    public func stop() async {
        for join in joins { await join.stop() }
    }
}

extension NodeRuntime {
    /// The device ID relays know this node by: the SHA-256 of its deterministic relay certificate.
    public var relayCertificate: RelayCertificate {
        get throws { try RelayCertificate(key: identityKey) }
    }

    /// Joins each relay and keeps the joins up until `stop()`.
    public func joinRelays(_ uris: [RelayURI]) throws -> RelayJoins {
        let joins = try makeRelayJoins(uris)
        for join in joins { join.start() }
        return RelayJoins(joins)
    }

    /// A join for each relay, not started.
    func makeRelayJoins(_ uris: [RelayURI]) throws -> [RelayJoin] {
        guard !uris.isEmpty else { return [] }
        let certificate = try relayCertificate
        let tls = try TLSConfiguration.relayClient(privateKey: identityKey, certificate: SelfSignedCertificate(der: certificate.der))
        return uris.map { RelayJoin(uri: $0, runtime: self, tls: tls, device: certificate.deviceID) }
    }

    /// A session with `address.id` through the relay of a relay endpoint (Protocol/relay.md §4):
    /// a ConnectRequest with a throwaway certificate (one per dial, so the invited node can tell
    /// that a new invitation replaces the last), then session mode, then vouch/1 as the TLS
    /// client pinning the node ID. The dialer joins after the relay's learned `RelayJoinDelay`;
    /// when the joins collide at strelaysrv (`RelaySessionCollision`), it asks again as
    /// `RelayDialRetry` says.
    func connectThroughRelay(_ address: NodeAddress, route: RelayRoute) async throws -> PeerSession {
        let throwaway = try Ed25519PrivateKey()
        let tls = try TLSConfiguration.relayClient(privateKey: throwaway,
                                                   certificate: SelfSignedCertificate(key: throwaway, commonName: "vouch-relay"))
        let relay = address.endpoint.tcpEndpoint
        var retry = RelayDialRetry(now: RelayClock.now(), budget: limits.handshakeTimeout,
                                   slowestAnswer: relayJoinDelays.learnt(for: relay).slowestAnswer)
        while true {
            do {
                let session = try await connectThroughRelayOnce(address, route: route, tls: tls, retry: retry,
                                                                joinDelay: relayJoinDelays.learnt(for: relay).current)
                relayJoinDelays.update(relay) { $0.started() }
                return session
            } catch let collision as RelaySessionCollision {
                relayJoinDelays.update(relay) { $0.collided() }
                switch retry.failed(now: RelayClock.now()) {
                case .retry(let backoff):
                    relayDialRetries.add(1, ordering: .relaxed)
                    logger.debug("relay session joins collided; asking again",
                                 metadata: ["error": .string(collision.message), "attempt": "\(retry.attempt)"])
                    if backoff > .zero { try await Task.sleep(for: backoff) }
                case .giveUp:
                    throw SessionError(kind: .closed, message: "\(collision.message) (\(retry.attempt) attempts)")
                }
            }
        }
    }

    private func connectThroughRelayOnce(_ address: NodeAddress, route: RelayRoute, tls: TLSConfiguration, retry: RelayDialRetry,
                                         joinDelay: Duration) async throws -> PeerSession {
        let relay = address.endpoint.tcpEndpoint
        let eventLoop = group.next()
        let invited = eventLoop.makePromise(of: RelaySessionInvitation.self)
        let logger = self.logger
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(limits.handshakeTimeout.timeAmount)
                // The ConnectRequest follows the TLS Finished at once: Nagle would hold it.
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(VouchTLSHandler(role: .relayClient(certificateDigest: route.relay.bytes), configuration: tls, logger: logger))
                        try sync.addHandler(RelayMessageHandler())
                        try sync.addHandler(RelayConnectHandler(device: route.device, invited: invited))
                    }
                }
                .connect(host: relay.host, port: Int(relay.port)).get()
        } catch {
            invited.fail(error)
            throw SessionError(kind: .closed, message: "cannot connect to the relay \(relay): \(Self.describeConnectFailure(error))")
        }
        let invitation: RelaySessionInvitation
        do {
            invitation = try await invited.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw SessionError(kind: .closed, message: "the relay \(relay) gave no session: \(error)")
        }
        channel.close(promise: nil)
        try await eventLoop.scheduleTask(in: joinDelay.timeAmount) {}.futureResult.get()
        let established = eventLoop.makePromise(of: PeerSession.self)
        let remote = address.endpoint.description
        ClientBootstrap(group: eventLoop)
            .connectTimeout(limits.handshakeTimeout.timeAmount)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RelaySessionHandler(
                        runtime: self, invitation: invitation, dialer: retry,
                        onPeerAnswer: { [relayJoinDelays] answer in relayJoinDelays.update(relay) { $0.answered(after: answer) } },
                        role: .client(expectedPeerKey: address.id.publicKey),
                        direction: .outbound, remoteAddress: remote, established: established))
                }
            }
            .connect(host: relay.host, port: Int(invitation.port))
            .whenFailure { error in established.fail(error) }
        return try await established.futureResult.get()
    }
}

/// A dialer's temporary protocol-mode connection: runs `RelayConnectMachine`.
final class RelayConnectHandler: ChannelInboundHandler {
    typealias InboundIn = RelayMessage

    private var machine: RelayConnectMachine
    private var invited: EventLoopPromise<RelaySessionInvitation>?
    private var timer: Scheduled<Void>?

    init(device: RelayDeviceID, invited: EventLoopPromise<RelaySessionInvitation>) {
        machine = RelayConnectMachine(device: device)
        self.invited = invited
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RelayTLSHandshakeCompleted { run(machine.connected(now: RelayClock.now()), context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        run(machine.received(unwrapInboundIn(data)), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        invited?.fail(error)
        invited = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(machine.connectionClosed(), context: context)
        timer?.cancel()
        context.fireChannelInactive()
    }

    private func run(_ actions: [RelayConnectMachine.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let message): context.writeAndFlush(NIOAny(message), promise: nil)
            case .openSession(let invitation):
                timer?.cancel()
                invited?.succeed(invitation)
                invited = nil
            case .fail(let reason):
                timer?.cancel()
                invited?.fail(SessionError(kind: .closed, message: reason))
                invited = nil
                context.close(promise: nil)
            case .wakeAt(let time):
                timer?.cancel()
                timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: RelayClock.deadline(time)) { [self] in
                    run(machine.timerFired(now: RelayClock.now()), context: context)
                }
            }
        }
    }
}
