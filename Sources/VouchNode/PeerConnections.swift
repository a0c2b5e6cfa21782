import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
public import VouchProtocol
import VouchCrypto
@_spi(Benchmarks) import VouchTLS

extension NodeRuntime {
    /// Builds the pipeline every Vouch connection has: TLS, framing, the session handler.
    /// `acceptsBenchmarkTLS`: only `bindListenerForBenchmarks` passes true.
    func configurePipeline(_ channel: any Channel, role: VouchTLSHandler.Role, direction: SessionDirection,
                           remoteAddress: String, acceptsBenchmarkTLS: Bool = false) throws -> EventLoopFuture<PeerSession> {
        try checkTLSProfile(acceptsBenchmarkTLS: acceptsBenchmarkTLS)
        var tlsLogger = logger
        tlsLogger[metadataKey: "peer.address"] = .string(remoteAddress)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(VouchTLSHandler(role: role, configuration: tls,
                                            handshakeTimeout: limits.handshakeTimeout.timeAmount, logger: tlsLogger))
        try sync.addHandler(ByteToMessageHandler(WireFrameDecoder(maximumFrameSize: limits.maximumFrameSize)))
        try sync.addHandler(MessageToByteHandler(WireFrameEncoder()))
        // Made last, so that no failure above can leave it never completed.
        let established = channel.eventLoop.makePromise(of: PeerSession.self)
        do {
            try sync.addHandler(PeerSessionHandler(runtime: self, direction: direction, remoteAddress: remoteAddress,
                                                   established: established))
        } catch {
            established.fail(error)
            throw error
        }
        return established.futureResult
    }

    /// A node speaks only the TLS profile of Protocol/transport.md §2: a context built for tests
    /// or benchmarks (one that accepts a ClientHello without ALPN, offers other groups, presents
    /// no certificate) is refused here, where every connection is set up, whoever built the runtime.
    func checkTLSProfile(acceptsBenchmarkTLS: Bool = false) throws {
        guard tls.isProductionProfile || (acceptsBenchmarkTLS && tls.isBenchmarkProfile) else {
            throw TLSError(.configuration, "the TLS configuration is not the node's profile (Protocol/transport.md §2): "
                           + "it was built for tests or benchmarks, and a node does not use it")
        }
    }

    /// The session with `address.id`: the live one, or a new one dialed at `address.endpoint`
    /// that must prove it holds `address.id`'s key.
    public func connect(to address: NodeAddress) async throws -> PeerSession {
        try checkTLSProfile()
        if let existing = sessions.session(for: address.id), existing.channel.isActive { return existing }
        if let route = address.endpoint.relay { return try await connectThroughRelay(address, route: route) }
        let remote = address.endpoint.description
        let established = EstablishedBox()
        guard dials.add(established) else {
            throw SessionError(kind: .closed, message: "the node is shutting down")
        }
        defer { dials.remove(established) }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(limits.handshakeTimeout.timeAmount)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                guard established.track(channel) else { return channel.eventLoop.makeFailedFuture(CancellationError()) }
                return channel.eventLoop.makeCompletedFuture {
                    let future = try self.configurePipeline(
                        channel, role: .client(expectedPeerKey: address.id.publicKey), direction: .outbound, remoteAddress: remote)
                    established.value.withLock { $0 = future }
                }
            }
        do {
            // Cancelled (the outbox worker at shutdown): abandon the TCP connect or the handshake
            // rather than wait for its timeout.
            return try await withTaskCancellationHandler {
                do {
                    _ = try await bootstrap.connect(host: address.endpoint.host, port: Int(address.endpoint.port)).get()
                } catch {
                    throw SessionError(kind: .closed, message: "cannot connect to \(remote): \(Self.describeConnectFailure(error))")
                }
                guard let future = established.value.withLock({ $0 }) else {
                    throw SessionError(kind: .closed, message: "the connection to \(remote) was not set up")
                }
                return try await future.get()
            } onCancel: {
                established.cancel()
            }
        } catch let error as SessionError {
            // A simultaneous dial: our connection lost the tie-break to the peer's, which is
            // registered and just as good.
            if let winner = sessions.session(for: address.id), winner.channel.isActive { return winner }
            throw error
        }
    }
}

extension NodeRuntime {
    /// The session with `peer`: the live one (`endpoint` nil), or a new one dialed at each of
    /// `endpoints` in turn, in dial order (Protocol/relay.md §5: direct first, relays after),
    /// until one proves `peer`'s key; `endpoint` is the one that did. One failure per endpoint
    /// in the error when all fail.
    public func connect(to peer: NodeID, endpoints: [Endpoint]) async throws -> (session: PeerSession, endpoint: Endpoint?) {
        try checkTLSProfile()
        if let existing = sessions.session(for: peer), existing.channel.isActive { return (existing, nil) }
        let ordered = Endpoint.dialOrder(endpoints)
        guard ordered.count > 1 else {
            guard let only = ordered.first else { throw SessionError(kind: .closed, message: "no endpoint known for \(peer.shortForm)") }
            return (try await connect(to: NodeAddress(id: peer, endpoint: only)), only)
        }
        var failures: [String] = []
        for endpoint in ordered {
            try Task.checkCancellation()
            do {
                let session = try await connect(to: NodeAddress(id: peer, endpoint: endpoint))
                if !failures.isEmpty {
                    logger.info("reached a peer at a later endpoint", metadata: [
                        "peer": .string(peer.shortForm), "endpoint": .string(endpoint.description),
                        "failed": .string(failures.joined(separator: "; "))])
                }
                return (session, endpoint)
            } catch {
                failures.append("\(endpoint): \(error)")
            }
        }
        throw SessionError(kind: .closed, message: "no endpoint of \(peer.shortForm) answered (\(failures.joined(separator: "; ")))")
    }
}

extension NodeRuntime {
    /// One plain sentence for why a TCP connect failed, instead of NIO's nested error dump.
    static func describeConnectFailure(_ error: any Error) -> String {
        switch error {
        case let failure as NIOConnectionError:
            if let first = failure.connectionErrors.first { return describeConnectFailure(first.error) }
            if failure.dnsAError != nil || failure.dnsAAAAError != nil { return "the host name does not resolve" }
            return "no address to connect to"
        case let io as IOError:
            return String(cString: strerror(io.errnoCode)).lowercased()
        case ChannelError.connectTimeout(let timeout):
            return "no answer within \(timeout.nanoseconds / 1_000_000_000) s"
        default:
            return "\(error)"
        }
    }
}

/// Carries the session future out of the channel initializer.
final class EstablishedBox: Sendable {
    let value = PThreadLocked<EventLoopFuture<PeerSession>?>(nil)
    /// The channels dialed, and whether the dialing task was cancelled.
    private let dialing = PThreadLocked<(channels: [any Channel], cancelled: Bool)>(([], false))

    /// Remembers a channel being dialed; false if the dial is cancelled already.
    func track(_ channel: any Channel) -> Bool {
        dialing.withLock { state in
            state.channels.append(channel)
            return !state.cancelled
        }
    }

    /// Closes every channel dialed, and makes any later one fail at once.
    func cancel() {
        let channels = dialing.withLock { state in
            state.cancelled = true
            return state.channels
        }
        for channel in channels { channel.close(promise: nil) }
    }
}

/// Every dial in progress, so that shutdown can abandon them all, whoever started them (the
/// outbox worker or an admin request such as `ping`), instead of waiting for their timeouts.
final class DialRegistry: Sendable {
    private let state = PThreadLocked<(dials: [ObjectIdentifier: EstablishedBox], closed: Bool)>(([:], false))

    /// Registers a dial; false once the node is shutting down.
    func add(_ dial: EstablishedBox) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.dials[ObjectIdentifier(dial)] = dial
            return true
        }
    }

    func remove(_ dial: EstablishedBox) {
        _ = state.withLock { $0.dials.removeValue(forKey: ObjectIdentifier(dial)) }
    }

    /// Abandons every dial in progress and refuses new ones.
    func closeAll() {
        let dials = state.withLock { state in
            state.closed = true
            return Array(state.dials.values)
        }
        for dial in dials { dial.cancel() }
    }
}
