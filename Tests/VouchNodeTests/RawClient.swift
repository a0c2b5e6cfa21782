import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import VouchCrypto
import VouchProtocol
import VouchTLS
import VouchTestKit

/// What a raw client has seen: the handshake, the frames the node sent (as messages), and whether
/// the connection closed. Written on the client's event loop, read by the test.
final class RawInbox: Sendable {
    struct State {
        var decoder = FrameDecoder(maximumFrameSize: Int(UInt32.max))
        var handshake: TLSHandshakeCompleted?
        var messages: [WireMessage] = []
        var undecodable = 0
        var closed = false
        var errors: [String] = []
    }

    let state = Mutex(State())

    func received(_ bytes: [UInt8]) {
        state.withLock { s in
            s.decoder.append(bytes)
            while let frame = try? s.decoder.next() {
                if let message = try? WireMessage(decoding: frame) { s.messages.append(message) } else { s.undecodable += 1 }
            }
        }
    }

    var handshake: TLSHandshakeCompleted? { state.withLock { $0.handshake } }
    var messages: [WireMessage] { state.withLock { $0.messages } }
    var closed: Bool { state.withLock { $0.closed } }
    var undecodable: Int { state.withLock { $0.undecodable } }

    func replies(to id: MessageID) -> [WireMessage] { messages.filter { $0.replyTo == id } }
}

/// Hands everything the client's pipeline delivers to its inbox.
final class RawInboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: RawInbox

    init(inbox: RawInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.received(Array(unwrapInboundIn(data).readableBytesView))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let done = event as? TLSHandshakeCompleted { inbox.state.withLock { $0.handshake = done } }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.state.withLock { $0.closed = true }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.state.withLock { $0.errors.append("\(error)") }
        context.close(promise: nil)
    }
}

/// A client that speaks TLS (or, with `tls: false`, plain TCP) to a node and then writes whatever
/// bytes the test gives it: frames the node should refuse, half frames, nothing at all.
final class RawClient: Sendable {
    let key: Ed25519PrivateKey
    let channel: any Channel
    let inbox: RawInbox
    let group: MultiThreadedEventLoopGroup

    var id: NodeID { NodeID(publicKey: key.publicKey) }

    private init(key: Ed25519PrivateKey, channel: any Channel, inbox: RawInbox, group: MultiThreadedEventLoopGroup) {
        self.key = key
        self.channel = channel
        self.inbox = inbox
        self.group = group
    }

    /// `receiveBuffer` sets SO_RCVBUF (small: a peer whose window fills fast when it stops reading).
    static func connect(to node: TestNode, tls: Bool = true, receiveBuffer: Int? = nil) async throws -> RawClient {
        let key = try Ed25519PrivateKey()
        let configuration = try TLSConfiguration(privateKey: key)
        let inbox = RawInbox()
        let expected = node.key.publicKey
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            var bootstrap = ClientBootstrap(group: group)
            if let receiveBuffer { bootstrap = bootstrap.channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: receiveBuffer) }
            let channel = try await bootstrap
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if tls {
                            try sync.addHandler(VouchTLSHandler(role: .client(expectedPeerKey: expected), configuration: configuration,
                                                                logger: Logger(label: "raw-client") { _ in SwiftLogNoOpLogHandler() }))
                        }
                        try sync.addHandler(RawInboxHandler(inbox: inbox))
                    }
                }
                .connect(host: "127.0.0.1", port: Int(node.port)).get()
            return RawClient(key: key, channel: channel, inbox: inbox, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Connects and waits for the TLS handshake to finish.
    static func handshaken(with node: TestNode, receiveBuffer: Int? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) async throws -> RawClient {
        let client = try await connect(to: node, receiveBuffer: receiveBuffer)
        do {
            try await eventually("the TLS handshake with the node completes", sourceLocation: sourceLocation) {
                client.inbox.handshake != nil
            }
        } catch {
            await client.shutdown()
            throw error
        }
        return client
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    func send(_ message: WireMessage) async throws {
        try await write(WireFrame.encode(message.encoded))
    }

    /// Waits for the node's reply to `id`.
    func reply(to id: MessageID, sourceLocation: SourceLocation = #_sourceLocation) async throws -> WireMessage {
        try await eventually("a reply to message \(id)", sourceLocation: sourceLocation) { !inbox.replies(to: id).isEmpty }
        return inbox.replies(to: id)[0]
    }

    /// Waits until the node has closed the connection.
    func waitUntilClosed(_ why: String, within limit: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("the node closes the connection: \(why)", timeout: limit, sourceLocation: sourceLocation) { inbox.closed }
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// The error body of `message`, failing the test when it is not an error reply.
func errorCode(of message: WireMessage, sourceLocation: SourceLocation = #_sourceLocation) -> WireErrorCode? {
    guard message.knownType == .error, let body = try? WireErrorBody(message.body) else {
        Issue.record("expected an error reply, got \(message.type)", sourceLocation: sourceLocation)
        return nil
    }
    return body.code
}

/// Shows the node still serves: a fresh, well-behaved client completes a handshake and its ping
/// is answered by a pong naming it.
func expectServesAnotherPeer(_ node: TestNode, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let client = try await RawClient.handshaken(with: node, sourceLocation: sourceLocation)
    do {
        let ping = Wire.message("ping", to: node.id)
        try await client.send(ping)
        let pong = try await client.reply(to: ping.id, sourceLocation: sourceLocation)
        #expect(pong.knownType == .pong, "the node answers another peer's ping", sourceLocation: sourceLocation)
        #expect(pong.recipient == client.id.rawRepresentation, sourceLocation: sourceLocation)
        await client.shutdown()
    } catch {
        await client.shutdown()
        throw error
    }
}
