public import Logging
public import NIOCore
public import VouchCrypto

/// TLS 1.3 for one Vouch connection, as a SwiftNIO channel handler: ciphertext below,
/// plaintext `ByteBuffer`s above.
///
/// Put it first in the pipeline, before anything that speaks Vouch. One `TLSConfiguration`
/// serves both directions; each connection gets its own handler:
/// ```swift
/// // Outbound: pin the key we expect (nil accepts any key that passes the key policy).
/// ClientBootstrap(group: group).channelInitializer { channel in
///     channel.eventLoop.makeCompletedFuture {
///         try channel.pipeline.syncOperations.addHandlers(
///             VouchTLSHandler(role: .client(expectedPeerKey: peerKey), configuration: tls, logger: logger),
///             VouchSessionHandler())
///     }
/// }
/// // Inbound: the peer's key arrives in `TLSHandshakeCompleted`.
/// ServerBootstrap(group: group).childChannelInitializer { channel in
///     channel.eventLoop.makeCompletedFuture {
///         try channel.pipeline.syncOperations.addHandlers(
///             VouchTLSHandler(role: .server, configuration: tls, logger: logger),
///             VouchSessionHandler())
///     }
/// }
/// ```
/// Handlers after it receive `TLSHandshakeCompleted` as a user inbound event when the peer is
/// known, decrypted data as `ByteBuffer`, and a `TLSError` through `errorCaught` when the
/// connection fails (the handler then closes the channel). Writes made before the handshake
/// completes are held and sent after it. `close()` sends close_notify and waits for the peer's
/// (at most `closeTimeout`) before closing the socket.
///
/// The protocol rules live in `TLSConnectionStateMachine`; OpenSSL lives in `OpenSSLConnection`.
/// This class only moves bytes and runs the machine's actions.
///
/// Deliberately not `Sendable`: like every channel handler it belongs to its channel's event
/// loop, and its state (OpenSSL's included) is unsynchronised.
public final class VouchTLSHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Which side of the handshake this handler plays.
    public enum Role: Sendable {
        /// Accepts connections; learns the peer's key from its certificate.
        case server
        /// Connects; when `expectedPeerKey` is given, any other server key aborts the handshake.
        case client(expectedPeerKey: Ed25519PublicKey?)
        /// Connects to a relay in protocol mode (Protocol/relay.md §4), with a context from
        /// `TLSConfiguration.relayClient`: the relay's certificate must have this SHA-256, and
        /// the handler fires `RelayTLSHandshakeCompleted` instead of `TLSHandshakeCompleted`.
        case relayClient(certificateDigest: [UInt8])
    }

    /// Long enough for a slow peer on a bad network, short enough that a silent peer does not
    /// hold a connection slot.
    public static let defaultHandshakeTimeout: TimeAmount = .seconds(10)
    /// How long `close()` waits for the peer's close_notify.
    public static let defaultCloseTimeout: TimeAmount = .seconds(5)

    private var machine = TLSConnectionStateMachine()
    private let connection: OpenSSLConnection
    /// For tests: what the connection's callbacks recorded (the alerts sent and received).
    var connectionForTesting: OpenSSLConnection { connection }
    private let handshakeTimeout: TimeAmount
    private let closeTimeout: TimeAmount
    private var logger: Logger

    private var bufferedWrites: [(data: ByteBuffer, promise: EventLoopPromise<Void>?)] = []
    private var handshakeSummary: OpenSSLConnection.HandshakeSummary?
    private var handshakeTimer: Scheduled<Void>?
    private var closeTimer: Scheduled<Void>?
    private var closePromise: EventLoopPromise<Void>?

    /// Largest plaintext read from OpenSSL at once: one TLS record's worth.
    private static let readChunkSize = 16 * 1024
    /// Plaintext buffers this handler asked the allocator for: one per burst of records (tests
    /// check that it is not one per record).
    private(set) var plaintextBuffersAllocated = 0

    public init(
        role: Role,
        configuration: TLSConfiguration,
        handshakeTimeout: TimeAmount = VouchTLSHandler.defaultHandshakeTimeout,
        closeTimeout: TimeAmount = VouchTLSHandler.defaultCloseTimeout,
        logger: Logger
    ) throws {
        let expected: Ed25519PublicKey?, digest: [UInt8]?, isClient: Bool
        switch role {
        case .server: (expected, digest, isClient) = (nil, nil, false)
        case .client(let key): (expected, digest, isClient) = (key, nil, true)
        case .relayClient(let certificateDigest): (expected, digest, isClient) = (nil, certificateDigest, true)
        }
        guard (digest != nil) == configuration.isRelayClientProfile else {
            throw TLSError(.configuration, "a relay connection needs the relay context, and only a relay connection may use it")
        }
        self.connection = try OpenSSLConnection(configuration: configuration, isClient: isClient, expectedPeerKey: expected,
                                                expectedCertificateDigest: digest)
        self.handshakeTimeout = handshakeTimeout
        self.closeTimeout = closeTimeout
        self.logger = logger
        self.logger[metadataKey: "tls.role"] = .string(isClient ? "client" : "server")
    }

    // MARK: - Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        // Added to a channel that is already connected: channelActive will not come.
        if context.channel.isActive {
            perform(machine.channelActiveReceived(), context: context)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        failBufferedWrites(TLSError(.connectionClosed, "the TLS handler was removed"))
    }

    public func channelActive(context: ChannelHandlerContext) {
        perform(machine.channelActiveReceived(), context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        perform(machine.eofReceived(), context: context)
        cancelTimers()
        failBufferedWrites(TLSError(.connectionClosed, "the connection closed"))
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            perform(machine.eofReceived(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        switch machine.bytesReceived() {
        case .continueHandshake:
            connection.receive(bytes)
            stepHandshake(context: context)
        case .readApplicationData:
            connection.receive(bytes)
            readApplicationData(context: context)
        case .dropBytes:
            logger.trace("dropping bytes received after the connection ended", metadata: ["bytes": "\(bytes.readableBytes)"])
        case let other:
            perform(other, context: context)
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        switch machine.applicationWriteReceived() {
        case .bufferWrite:
            bufferedWrites.append((bytes, promise))
        case .encryptWrite:
            encryptAndWrite(bytes, promise: promise, context: context)
        case .failWrite(let error):
            logger.debug("refusing a write", metadata: ["tls.error": "\(error)"])
            promise?.fail(error)
        case let other:
            perform(other, context: context)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        context.flush()
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Half-closes pass through: Vouch closes connections whole.
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        if let promise {
            if let existing = closePromise {
                existing.futureResult.cascade(to: promise)
            } else {
                closePromise = promise
            }
        }
        perform(machine.closeRequested(), context: context)
    }

    // MARK: - Running actions

    private func perform(_ action: TLSConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none, .dropBytes, .dropApplicationData, .bufferWrite, .encryptWrite, .failWrite,
             .continueHandshake, .readApplicationData, .forwardApplicationData:
            // Actions that need data in hand are run where that data is; nothing to do here.
            break
        case .startHandshake:
            let timeout = handshakeTimeout
            handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.perform(self.machine.handshakeTimeoutFired(), context: context)
            }
            stepHandshake(context: context)
        case .completeHandshake:
            completeHandshake(context: context)
        case .sendCloseNotify:
            if case .failed(let error) = connection.sendCloseNotify() {
                logger.warning("could not send close_notify", metadata: ["tls.error": "\(error)"])
            }
            sendPendingCiphertext(context: context)
            let timeout = closeTimeout
            closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.logger.debug("the peer did not answer close_notify in time")
                self.perform(self.machine.closeTimeoutFired(), context: context)
            }
        case .replyCloseNotifyAndClose:
            if case .failed(let error) = connection.sendCloseNotify() {
                logger.warning("could not answer close_notify", metadata: ["tls.error": "\(error)"])
            }
            sendPendingCiphertext(context: context)
            closeChannel(context: context)
        case .closeChannel:
            closeChannel(context: context)
        case .fail(let error):
            logger.warning(
                "TLS connection failed",
                metadata: ["tls.error.code": "\(error.code)", "tls.error": "\(error.message)", "tls.openssl": "\(error.openSSLErrors)"]
            )
            cancelTimers()
            failBufferedWrites(error)
            // OpenSSL may have queued an alert telling the peer why: send it before closing.
            sendPendingCiphertext(context: context)
            context.fireErrorCaught(error)
            closeChannel(context: context)
        }
    }

    private func stepHandshake(context: ChannelHandlerContext) {
        let result: TLSConnectionStateMachine.HandshakeStepResult
        switch connection.handshake() {
        case .complete:
            switch connection.handshakeSummary() {
            case .success(let summary):
                handshakeSummary = summary
                result = .complete
            case .failure(let error):
                result = .failed(error)
            }
        case .incomplete:
            result = .incomplete
        case .closeNotify:
            result = .failed(TLSError(.handshakeFailed, "the peer sent close_notify during the handshake"))
        case .failed(let error):
            result = .failed(error)
        }
        sendPendingCiphertext(context: context)
        perform(machine.handshakeStepReceived(result), context: context)
    }

    private func completeHandshake(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        guard let summary = handshakeSummary else { preconditionFailure("handshake completed without a summary") }
        logger.debug(
            "TLS handshake completed",
            metadata: ["tls.peer": "\(summary.peerKey.map { Hex.encode($0.rawRepresentation) } ?? "relay")", "tls.cipher": "\(summary.cipher)"]
        )
        // Writes made before the handshake go first, ahead of anything written in reaction
        // to the event below.
        let writes = bufferedWrites
        bufferedWrites = []
        for write in writes {
            encryptAndWrite(write.data, promise: write.promise, context: context)
        }
        context.flush()
        guard machine.state == .active else { return }
        guard let peerKey = summary.peerKey else {
            context.fireUserInboundEventTriggered(RelayTLSHandshakeCompleted(protocolVersion: summary.protocolVersion, cipher: summary.cipher))
            readApplicationData(context: context)
            return
        }
        context.fireUserInboundEventTriggered(
            TLSHandshakeCompleted(
                peerKey: peerKey,
                protocolVersion: summary.protocolVersion,
                cipher: summary.cipher,
                keyExchangeGroup: summary.keyExchangeGroup,
                applicationProtocol: summary.applicationProtocol
            )
        )
        // Application data (or an alert) may have arrived in the same read as the last flight.
        readApplicationData(context: context)
    }

    /// Decrypts every record OpenSSL can complete from the ciphertext received so far and passes
    /// each one on. One plaintext buffer serves the whole burst: after each record is passed on
    /// it is cleared, which reuses its storage when the next handler has let go of the bytes (the
    /// frame decoder usually has) and copies only when it still holds them. It is dropped at the
    /// end of the burst, so an idle session holds no read buffer (as OpenSSL's own record
    /// buffers are released while idle, `SSL_MODE_RELEASE_BUFFERS`).
    private func readApplicationData(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Self.readChunkSize)
        plaintextBuffersAllocated += 1
        reading: while true {
            switch connection.read(into: &buffer) {
            case .complete:
                if machine.decryptedDataReceived() == .forwardApplicationData {
                    context.fireChannelRead(wrapInboundOut(buffer))
                }
                buffer.clear()
            case .incomplete:
                break reading
            case .closeNotify:
                perform(machine.closeNotifyReceived(), context: context)
                break reading
            case .failed(let error):
                perform(machine.applicationDataFailedReceived(error), context: context)
                break reading
            }
        }
        // Reading can make OpenSSL answer (a KeyUpdate, for one).
        sendPendingCiphertext(context: context)
    }

    private func encryptAndWrite(_ data: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        switch connection.write(data) {
        case .complete:
            if let ciphertext = connection.takeOutbound(allocator: context.channel.allocator) {
                context.write(wrapOutboundOut(ciphertext), promise: promise)
            } else {
                promise?.succeed(())
            }
        case .failed(let error):
            promise?.fail(error)
            perform(machine.applicationDataFailedReceived(error), context: context)
        case .incomplete, .closeNotify:
            // Memory BIOs never ask a write to wait; if OpenSSL does, the connection is unusable.
            let error = TLSError(.protocolError, "OpenSSL could not encrypt the write")
            promise?.fail(error)
            perform(machine.applicationDataFailedReceived(error), context: context)
        }
    }

    /// Writes and flushes whatever ciphertext OpenSSL produced (handshake messages, alerts,
    /// close_notify).
    private func sendPendingCiphertext(context: ChannelHandlerContext) {
        guard let ciphertext = connection.takeOutbound(allocator: context.channel.allocator) else { return }
        context.writeAndFlush(wrapOutboundOut(ciphertext), promise: nil)
    }

    private func closeChannel(context: ChannelHandlerContext) {
        cancelTimers()
        failBufferedWrites(TLSError(.connectionClosed, "the connection closed before the handshake completed"))
        let promise = closePromise
        closePromise = nil
        if context.channel.isActive {
            context.close(promise: promise)
        } else {
            // Not connected yet (or closed already): close anyway, so that a pending connect is abandoned.
            context.close(promise: nil)
            promise?.succeed(())
        }
    }

    private func cancelTimers() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        closeTimer?.cancel()
        closeTimer = nil
    }

    private func failBufferedWrites(_ error: TLSError) {
        let writes = bufferedWrites
        bufferedWrites = []
        for write in writes { write.promise?.fail(error) }
    }
}

@available(*, unavailable)
extension VouchTLSHandler: Sendable {}
