import Foundation
import Logging
public import NIOCore
import NIOPosix
import Synchronization
import VouchStore
import VouchProtocol
@_spi(Benchmarks) import VouchTLS

extension NodeRuntime {
    /// Binds the peer listener. Each connection first passes `ConnectionAdmission` (inbound,
    /// per-address and handshake limits); a refused one is closed before any TLS byte is read,
    /// and an admitted one may take the place of the oldest connection still in its handshake.
    /// A connection that sends nothing within `TransportLimits.firstBytesTimeout` is closed.
    /// Throws before binding if `tls` is not the node's TLS profile (`checkTLSProfile`).
    public func bindListener() async throws -> any Channel {
        try await bindListener(acceptsBenchmarkTLS: false)
    }

    /// `bindListener` for `vouch-bench handshakes`, which alone may run a node with
    /// `TLSConfiguration.toleratingMissingALPNForBenchmarks` (`openssl s_time` cannot send ALPN).
    /// Any other context that is not the node's profile is still refused.
    @_spi(Benchmarks)
    public func bindListenerForBenchmarks() async throws -> any Channel {
        try await bindListener(acceptsBenchmarkTLS: true)
    }

    private func bindListener(acceptsBenchmarkTLS: Bool) async throws -> any Channel {
        try checkTLSProfile(acceptsBenchmarkTLS: acceptsBenchmarkTLS)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                let address = channel.remoteAddress?.ipAddress ?? "unknown"
                let ticket: ConnectionAdmission.Ticket
                switch admission.opened(channel, from: address) {
                case .refuse(let reason):
                    logger.warning("refused a connection", metadata: ["peer.address": .string(address), "reason": .string(reason)])
                    return channel.close()
                case .admit(let admitted, let evicted):
                    if let evicted {
                        logger.notice("closed the oldest connection still in its handshake to admit a new one",
                                      metadata: ["peer.address": .string(address), "evicted": .string("\(evicted)")])
                    }
                    ticket = admitted
                }
                return channel.eventLoop.makeCompletedFuture {
                    let established: EventLoopFuture<PeerSession>
                    do {
                        try channel.pipeline.syncOperations.addHandler(FirstBytesDeadline(
                            deadline: self.limits.firstBytesTimeout.timeAmount, logger: self.logger,
                            onFirstBytes: { self.admission.firstBytesReceived(ticket) }))
                        established = try self.configurePipeline(channel, role: .server, direction: .inbound, remoteAddress: address,
                                                                  acceptsBenchmarkTLS: acceptsBenchmarkTLS)
                    } catch {
                        self.admission.closed(ticket)
                        throw error
                    }
                    established.whenComplete { _ in self.admission.handshakeEnded(ticket) }
                    channel.closeFuture.whenComplete { _ in self.admission.closed(ticket) }
                }
            }
        guard let listen = config.listen else {
            throw ListenError(message: "this node has no listener (\"listen\": \"none\"); it is reached through its relays")
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: listen.host, port: Int(listen.port)).get()
        } catch let error as IOError {
            throw ListenError(message: "cannot listen on \(listen): \(String(cString: strerror(error.errnoCode)))")
        }
        logger.info("listening for peers", metadata: ["address": .string("\(channel.localAddress.map { "\($0)" } ?? listen.description)")])
        return channel
    }
}

extension NodeRuntime {
    /// Inbound connections admitted and not closed, and those of them still in their handshake
    /// (for tests: the listener's table, as `ConnectionAdmission` keeps it).
    package var inboundConnectionCounts: (inbound: Int, handshaking: Int) { admission.counts }
}

/// The peer listener could not be opened (address in use, not permitted).
public struct ListenError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
