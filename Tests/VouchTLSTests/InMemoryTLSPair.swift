import Logging
import NIOCore
import NIOEmbedded
import VouchCrypto
@testable import VouchTLS

/// A node identity for tests: key plus TLS configuration.
struct TestIdentity {
    let key: Ed25519PrivateKey
    let configuration: TLSConfiguration

    init() throws {
        key = try Ed25519PrivateKey()
        configuration = try TLSConfiguration(privateKey: key)
    }

    /// An identity presenting `certificate` (which must hold `key`).
    init(key: Ed25519PrivateKey, certificate: SelfSignedCertificate) throws {
        self.key = key
        configuration = try TLSConfiguration(privateKey: key, certificate: certificate)
    }

    var publicKey: Ed25519PublicKey { key.publicKey }
}

extension Logger {
    /// Tests log nowhere: failures show up as assertions, not output.
    static let test = Logger(label: "vouch.tls.test", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// Sits after the TLS handler and writes down everything that reaches the application.
final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    var handshakes: [TLSHandshakeCompleted] = []
    var received: [UInt8] = []
    var errors: [TLSError] = []
    var otherErrors: [any Error] = []
    var becameInactive = false

    var receivedText: String { String(decoding: received, as: UTF8.self) }
    var errorCodes: [TLSError.Code] { errors.map(\.code) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompleted { handshakes.append(event) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError { errors.append(error) } else { otherErrors.append(error) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        becameInactive = true
        context.fireChannelInactive()
    }
}

/// A client and a server `EmbeddedChannel`, each with a `VouchTLSHandler` and a `Recorder`,
/// whose outbound bytes are carried to each other by `interact()`: a whole TLS conversation
/// with no sockets, deterministic, on one thread (in the spirit of swift-nio-ssl's
/// `interactInMemory`).
final class InMemoryTLSPair {
    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientRecorder = Recorder()
    let serverRecorder = Recorder()

    init(
        client clientConfiguration: TLSConfiguration,
        server serverConfiguration: TLSConfiguration,
        expectedServerKey: Ed25519PublicKey? = nil,
        handshakeTimeout: TimeAmount = VouchTLSHandler.defaultHandshakeTimeout
    ) throws {
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        try client.pipeline.syncOperations.addHandlers(
            VouchTLSHandler(
                role: .client(expectedPeerKey: expectedServerKey), configuration: clientConfiguration,
                handshakeTimeout: handshakeTimeout, logger: .test
            ),
            clientRecorder
        )
        try server.pipeline.syncOperations.addHandlers(
            VouchTLSHandler(
                role: .server, configuration: serverConfiguration, handshakeTimeout: handshakeTimeout, logger: .test
            ),
            serverRecorder
        )
    }

    /// Makes both channels active; the client's ClientHello is then waiting in its outbound.
    func activate() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
        try server.connect(to: address).wait()
        try client.connect(to: address).wait()
    }

    /// Moves bytes between the two until neither has anything left to send. Bytes for a
    /// channel that has closed are dropped, as a network would.
    func interact() throws {
        var moved = true
        while moved {
            moved = false
            loop.run()
            if let bytes = try client.readOutbound(as: ByteBuffer.self) {
                moved = true
                if server.isActive { try server.writeInbound(bytes) }
            }
            if let bytes = try server.readOutbound(as: ByteBuffer.self) {
                moved = true
                if client.isActive { try client.writeInbound(bytes) }
            }
        }
    }

    func activateAndInteract() throws {
        try activate()
        try interact()
    }

    /// Client writes `text` (flushed) through its pipeline.
    @discardableResult
    func clientWrites(_ text: String) -> EventLoopFuture<Void> {
        client.writeAndFlush(ByteBuffer(string: text))
    }

    @discardableResult
    func serverWrites(_ text: String) -> EventLoopFuture<Void> {
        server.writeAndFlush(ByteBuffer(string: text))
    }

    /// Ends the test: closes what is still open and drops what is left in the channels. An
    /// established connection's close waits for the peer's close_notify, so the two are
    /// interacted and, failing that, the close timers are run out before `finish`.
    func finish() {
        client.close(promise: nil)
        server.close(promise: nil)
        try? interact()
        loop.advanceTime(by: VouchTLSHandler.defaultCloseTimeout)
        _ = try? client.finish(acceptAlreadyClosed: true)
        _ = try? server.finish(acceptAlreadyClosed: true)
    }
}
