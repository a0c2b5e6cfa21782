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
    /// per-address and handshake limits); a refused one is closed before any TLS byte is read.
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
                let verdict = admission.withLock { $0.connectionOpened(from: address) }
                if case .refuse(let reason) = verdict {
                    logger.warning("refused a connection", metadata: ["peer.address": .string(address), "reason": .string(reason)])
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let established: EventLoopFuture<PeerSession>
                    do {
                        established = try self.configurePipeline(channel, role: .server, direction: .inbound, remoteAddress: address,
                                                                  acceptsBenchmarkTLS: acceptsBenchmarkTLS)
                    } catch {
                        self.admission.withLock { $0.closed(from: address, handshakeDone: false) }
                        throw error
                    }
                    let handshakeDone = established.map { _ in () }.recover { _ in () }
                    handshakeDone.whenComplete { _ in self.admission.withLock { $0.handshakeFinished() } }
                    channel.closeFuture.whenComplete { _ in
                        handshakeDone.whenComplete { _ in
                            self.admission.withLock { $0.closed(from: address, handshakeDone: true) }
                        }
                    }
                }
            }
        let listen = config.listen
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

/// The peer listener could not be opened (address in use, not permitted).
public struct ListenError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
