import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchTLS

/// A peer's session with a node, opened by a benchmark as another node would: its own Ed25519
/// identity, the node's key pinned, the real `VouchTLSHandler` and frame codec. It can ping (and
/// time the pong), answer the node's keepalive pings, and flood (write pings as fast as the
/// socket takes them, never reading: the attack of issue 10).
///
/// `connect` returns once the node has answered a first ping, so the node has checked the
/// certificate and registered the session: in TLS 1.3 the client finishes its handshake before
/// the server has looked at the client's certificate.
final class BenchPeer: Sendable {
    let channel: any Channel
    let nodeID: NodeID
    /// Pings written by `startFlooding`, read from any thread.
    let flooded: Atomic<Int>
    private let handler: NIOLoopBound<BenchPeerHandler>

    private static let logger = Logger(label: "vouch-bench", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(channel: any Channel, nodeID: NodeID, handler: NIOLoopBound<BenchPeerHandler>) {
        self.channel = channel
        self.nodeID = nodeID
        self.handler = handler
        self.flooded = Atomic(0)
    }

    /// Opens a session to 127.0.0.1:`port` with `identity`, from `sourceAddress` when given (any
    /// 127.x.y.z works on Linux loopback), and waits for the first pong within `timeout` seconds.
    static func connect(port: Int, nodeKey: Ed25519PublicKey, identity: TLSConfiguration, group: any EventLoopGroup,
                        sourceAddress: String? = nil, timeout: Double = 30) async throws -> BenchPeer {
        let loop = group.next()
        let nodeID = NodeID(publicKey: nodeKey)
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(VouchTLSHandler(role: .client(expectedPeerKey: nodeKey), configuration: identity, logger: logger))
                    try sync.addHandler(ByteToMessageHandler(WireFrameDecoder(maximumFrameSize: TransportLimits.default.maximumFrameSize)))
                    try sync.addHandler(MessageToByteHandler(WireFrameEncoder()))
                    try sync.addHandler(BenchPeerHandler(nodeID: nodeID))
                }
            }
        if let sourceAddress {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0))
        }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        let handler: NIOLoopBound<BenchPeerHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: BenchPeerHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            throw BenchFailure("the node closed the connection at once")
        }
        let peer = BenchPeer(channel: channel, nodeID: nodeID, handler: handler)
        do {
            _ = try await peer.ping(timeout: timeout)
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return peer
    }

    /// Sends a ping and returns the seconds until its pong arrived (both instants taken on the
    /// channel's event loop). Fails if no pong comes within `timeout` seconds or the session ends.
    func ping(timeout: Double = 30) async throws -> Double {
        let handler = self.handler
        let loop = channel.eventLoop
        return try await loop.flatSubmit {
            handler.value.ping(timeout: .milliseconds(Int64(timeout * 1000)), loop: loop)
        }.get()
    }

    /// Sends `message` (a delivery) and returns the node's reply to it (`ack` or `error`). Fails
    /// if no reply comes within `timeout` seconds or the session ends.
    func request(_ message: WireMessage, timeout: Double = 30) async throws -> WireMessage {
        try await timedRequest(message, timeout: timeout).reply
    }

    /// As `request`, with the seconds from writing the message to reading its reply, both
    /// instants taken on the channel's event loop (the reply's frame decoded, its body not).
    func timedRequest(_ message: WireMessage, timeout: Double = 30) async throws -> (reply: WireMessage, seconds: Double) {
        let handler = self.handler
        let loop = channel.eventLoop
        return try await loop.flatSubmit {
            handler.value.request(message, timeout: .milliseconds(Int64(timeout * 1000)), loop: loop)
        }.get()
    }

    /// Stops reading from the socket and writes pings whenever the channel is writable, until
    /// the session ends. The node's pongs pile up on the node's side.
    func startFlooding() {
        let handler = self.handler
        let counter = self
        channel.eventLoop.execute {
            handler.value.startFlooding { counter.flooded.add($0, ordering: .relaxed) }
        }
    }

    /// Stops a flood started by `startFlooding` and reads again, so that the close_notify
    /// exchange of `close()` can complete.
    func stopFlooding() async {
        let handler = self.handler
        try? await channel.eventLoop.submit { handler.value.stopFlooding() }.get()
    }

    func close() async {
        try? await channel.close()
    }
}

/// The inbound end of a `BenchPeer`'s pipeline (after TLS and the frame decoder).
private final class BenchPeerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let nodeID: NodeID
    private var context: ChannelHandlerContext?
    private var pending: [MessageID: (sentAt: Double, promise: EventLoopPromise<Double>, timer: Scheduled<Void>)] = [:]
    private var flooding: ((Int) -> Void)?
    /// Deliveries waiting for their reply, by message id.
    private var requests: [MessageID: (sentAt: Double, promise: EventLoopPromise<(reply: WireMessage, seconds: Double)>, timer: Scheduled<Void>)] = [:]

    init(nodeID: NodeID) { self.nodeID = nodeID }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func ping(timeout: TimeAmount, loop: any EventLoop) -> EventLoopFuture<Double> {
        guard let context, context.channel.isActive else {
            return loop.makeFailedFuture(BenchFailure("the session is closed"))
        }
        let message = makePing()
        let promise = context.eventLoop.makePromise(of: Double.self)
        let id = message.id
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: timeout) {
            bound.value.pending.removeValue(forKey: id)?.promise.fail(BenchFailure("no pong within \(timeout.nanoseconds / 1_000_000) ms"))
            return ()
        }
        pending[id] = (monotonicSeconds(), promise, timer)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: message.encoded)), promise: nil)
        return promise.futureResult
    }

    func request(_ message: WireMessage, timeout: TimeAmount, loop: any EventLoop) -> EventLoopFuture<(reply: WireMessage, seconds: Double)> {
        guard let context, context.channel.isActive else {
            return loop.makeFailedFuture(BenchFailure("the session is closed"))
        }
        let promise = context.eventLoop.makePromise(of: (reply: WireMessage, seconds: Double).self)
        let id = message.id
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: timeout) {
            bound.value.requests.removeValue(forKey: id)?.promise.fail(BenchFailure("no reply within \(timeout.nanoseconds / 1_000_000) ms"))
            return ()
        }
        requests[id] = (monotonicSeconds(), promise, timer)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: message.encoded)), promise: nil)
        return promise.futureResult
    }

    func startFlooding(_ count: @escaping (Int) -> Void) {
        guard let context else { return }
        flooding = count
        // Never read again: whatever the node answers stays in its socket and its memory.
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        pump(context: context)
    }

    func stopFlooding() {
        guard let context, flooding != nil else { return }
        flooding = nil
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        context.read()
    }

    private func pump(context: ChannelHandlerContext) {
        guard let flooding else { return }
        var written = 0
        while context.channel.isWritable && context.channel.isActive && written < 256 {
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: makePing().encoded)), promise: nil)
            written += 1
        }
        context.flush()
        flooding(written)
        // Still writable after a batch: go on after other events had their turn.
        if context.channel.isWritable && context.channel.isActive {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute { if let context = bound.value.context { bound.value.pump(context: context) } }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, flooding != nil { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    private func makePing() -> WireMessage {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        return WireMessage(type: .ping, sentAt: now, expiresAt: now + 60_000, recipient: nodeID)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let message = try? WireMessage(decoding: Array(frame.readableBytesView)) else { return }
        if message.knownType == .ping {
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            let pong = WireMessage(type: .pong, replyTo: message.id, sentAt: now, expiresAt: now + 60_000, recipient: nodeID)
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: pong.encoded)), promise: nil)
            return
        }
        if let replyTo = message.replyTo, let waiting = requests.removeValue(forKey: replyTo) {
            waiting.timer.cancel()
            waiting.promise.succeed((message, monotonicSeconds() - waiting.sentAt))
            return
        }
        guard let replyTo = message.replyTo, let waiting = pending.removeValue(forKey: replyTo) else { return }
        waiting.timer.cancel()
        if message.knownType == .pong {
            waiting.promise.succeed(monotonicSeconds() - waiting.sentAt)
        } else {
            waiting.promise.fail(BenchFailure("the node answered a ping with \(message.type)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(BenchFailure("the session closed"))
        flooding = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failPending(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: any Error) {
        let requests = self.requests
        self.requests = [:]
        for (_, entry) in requests {
            entry.timer.cancel()
            entry.promise.fail(error)
        }
        let waiting = pending
        pending = [:]
        for (_, entry) in waiting {
            entry.timer.cancel()
            entry.promise.fail(error)
        }
    }
}
