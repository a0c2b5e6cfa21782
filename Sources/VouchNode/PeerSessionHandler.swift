import Foundation
import Logging
import NIOCore
import VouchCrypto
import VouchProtocol
import VouchAdmin
import VouchTLS

/// Speaks Vouch messages on one authenticated connection: checks every inbound message
/// (`InboundMessagePolicy`), answers pings, matches replies to requests, hands deliveries to the
/// node, sends keepalive pings and closes an idle session.
///
/// Not Sendable: it lives on its channel's event loop; other threads reach it through `PeerSession`.
final class PeerSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let runtime: NodeRuntime
    private let direction: SessionDirection
    private let remoteAddress: String
    private var logger: Logger
    private var session: PeerSession?
    private var pending: [MessageID: (promise: EventLoopPromise<WireMessage>, timer: Scheduled<Void>)] = [:]
    private var lastReceived = NIODeadline.now()
    private var keepaliveTask: RepeatedTask?
    private var context: ChannelHandlerContext?
    /// Why the connection failed, given to requests still waiting when it closes.
    private var failure: (any Error)?
    /// Completed once the session is registered (or failed if the connection ends first), then
    /// dropped: its future's value is the session, which holds this handler, so keeping the
    /// promise would keep the handler, the session and the channel alive after the close.
    private var established: EventLoopPromise<PeerSession>?

    init(runtime: NodeRuntime, direction: SessionDirection, remoteAddress: String, established: EventLoopPromise<PeerSession>) {
        self.runtime = runtime
        self.direction = direction
        self.remoteAddress = remoteAddress
        self.established = established
        self.logger = runtime.logger
        logger[metadataKey: "peer.address"] = .string(remoteAddress)
        logger[metadataKey: "session.direction"] = .string(direction.rawValue)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Also reached without `channelInactive` when the channel never became active (a dial that
    /// failed to connect): the context, which holds this handler, must be let go here too, and the
    /// promise settled, or both stay allocated for ever.
    func handlerRemoved(context: ChannelHandlerContext) {
        keepaliveTask?.cancel()
        settle(.failure(failure ?? SessionError(kind: .closed, message: "the connection closed before the session was established")))
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let done = event as? TLSHandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let peer = NodeID(publicKey: done.peerKey)
        logger[metadataKey: "peer"] = .string(peer.shortForm)
        let session = PeerSession(peer: peer, direction: direction, tls: done, channel: context.channel,
                                  handler: NIOLoopBound(self, eventLoop: context.eventLoop), serial: runtime.nextSessionSerial())
        guard runtime.sessions.register(session, local: runtime.identity) else {
            logger.info("closing a duplicate session (the other one with this peer is kept)")
            settle(.failure(SessionError(kind: .closed, message: "a session with \(peer.shortForm) exists already")))
            context.close(promise: nil)
            return
        }
        self.session = session
        lastReceived = .now()
        logger.info("session established", metadata: ["tls.version": .string(done.protocolVersion), "tls.cipher": .string(done.cipher)])
        runtime.publish("session.opened", ["peer": .string(peer.description), "direction": .string(direction.rawValue)])
        runtime.peerConnected(peer)
        // Check twice per keepalive interval, so a ping goes out at most 1.5 intervals after silence began.
        let half = TimeAmount.nanoseconds(runtime.limits.keepaliveInterval.timeAmount.nanoseconds / 2)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepaliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: half, delay: half) { _ in
            loopBound.value.keepaliveTick()
        }
        settle(.success(session))
    }

    private func settle(_ result: Result<PeerSession, any Error>) {
        guard let established else { return }
        self.established = nil
        established.completeWith(result)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastReceived = .now()
        guard let session else {
            // The TLS handler delivers data only after the handshake; this cannot happen.
            context.close(promise: nil)
            return
        }
        let message: WireMessage
        do {
            message = try WireMessage(decoding: Array(frame.readableBytesView))
        } catch {
            logger.warning("refused a malformed message; closing", metadata: ["error": .string(error.message)])
            sendError(error.code, error.message, replyTo: error.messageID, context: context, thenClose: true)
            return
        }
        switch InboundMessagePolicy.check(message, localNode: runtime.identity, nowMilliseconds: Clock.nowMilliseconds(),
                                          limits: runtime.limits) {
        case .reject(let code, let reason):
            logger.notice("refused a message", metadata: ["code": .string(code.rawValue), "type": .string(message.type), "reason": .string(reason)])
            // An unanswerable reply (an error about an error) is dropped to avoid loops.
            if message.knownType != .error { sendError(code, reason, replyTo: message.id, context: context, thenClose: false) }
        case .accept(let type):
            handle(message, type: type, session: session, context: context)
        }
    }

    private func handle(_ message: WireMessage, type: WireMessageType, session: PeerSession, context: ChannelHandlerContext) {
        switch type {
        case .ping:
            send(reply(to: message, type: .pong), context: context)
        case .pong, .ack, .error:
            guard let replyTo = message.replyTo, let waiting = pending.removeValue(forKey: replyTo) else {
                if type == .error, let body = try? WireErrorBody(message.body) {
                    logger.notice("peer reported an error", metadata: ["code": .string(body.code.rawValue), "message": .string(body.message)])
                }
                return
            }
            waiting.timer.cancel()
            waiting.promise.succeed(message)
        case .card:
            let runtime = self.runtime
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let peer = session.peer
            let promise = context.eventLoop.makePromise(of: WireMessage.self)
            promise.completeWithTask { await runtime.deliver(message, from: peer) }
            promise.futureResult.whenSuccess { answer in
                loopBound.value.sendIfOpen(answer)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepaliveTask?.cancel()
        for (_, waiting) in pending {
            waiting.timer.cancel()
            waiting.promise.fail(failure ?? SessionError(kind: .closed, message: "the session closed before the reply arrived"))
        }
        pending.removeAll()
        if let session {
            runtime.sessions.remove(session)
            runtime.publish("session.closed", ["peer": .string(session.peer.description)])
            logger.info("session closed")
            // The session holds this handler (and the channel): drop it, or the two keep each
            // other, the channel and its buffers alive for ever after the close.
            self.session = nil
        } else {
            settle(.failure(SessionError(kind: .closed, message: "the connection closed before the session was established")))
        }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = error }
        switch error {
        case let tls as TLSError:
            logger.notice("TLS failure", metadata: ["code": .string(tls.code.description), "error": .string(tls.message)])
            settle(.failure(tls))
        case let failure as ProtocolError where failure.code == .tooLarge || failure.code == .malformed:
            logger.warning("refused a frame; closing", metadata: ["error": .string(failure.message)])
            sendError(failure.code == .tooLarge ? .tooLarge : .malformed, failure.message, replyTo: nil, context: context, thenClose: true)
            return
        case let cut as TruncatedFrame:
            logger.notice("peer vanished mid-message", metadata: ["error": .string(cut.description)])
        default:
            logger.notice("connection error", metadata: ["error": .string("\(error)")])
            settle(.failure(error))
        }
        context.close(promise: nil)
    }

    // MARK: Sending

    func sendRequest(_ message: WireMessage, timeout: TimeAmount) -> EventLoopFuture<WireMessage> {
        guard let context else {
            return runtime.group.any().makeFailedFuture(SessionError(kind: .closed, message: "the session is closed"))
        }
        let promise = context.eventLoop.makePromise(of: WireMessage.self)
        let id = message.id
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.pending.removeValue(forKey: id)?.promise.fail(SessionError(kind: .timeout, message: "no reply within \(timeout)"))
            return ()
        }
        pending[id] = (promise, timer)
        send(message, context: context)
        return promise.futureResult
    }

    fileprivate func sendIfOpen(_ message: WireMessage) {
        guard let context, context.channel.isActive else { return }
        send(message, context: context)
    }

    private func send(_ message: WireMessage, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: message.encoded)), promise: nil)
    }

    private func reply(to message: WireMessage, type: WireMessageType, body: CBORValue = .map([:])) -> WireMessage {
        runtime.makeMessage(type: type, to: session!.peer, replyTo: message.id, body: body)
    }

    private func sendError(_ code: WireErrorCode, _ text: String, replyTo: MessageID?, context: ChannelHandlerContext, thenClose: Bool) {
        guard let session else {
            context.close(promise: nil)
            return
        }
        let message = runtime.makeMessage(type: .error, to: session.peer, replyTo: replyTo,
                                          body: WireErrorBody(code: code, message: text).value)
        let write = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: message.encoded)))
        if thenClose {
            let channel = context.channel
            write.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func keepaliveTick() {
        guard let context, let session else { return }
        let silent = NIODeadline.now() - lastReceived
        if silent >= runtime.limits.idleTimeout.timeAmount {
            logger.info("closing an idle session", metadata: ["silent.seconds": .stringConvertible(silent.nanoseconds / 1_000_000_000)])
            context.close(promise: nil)
        } else if silent >= runtime.limits.keepaliveInterval.timeAmount {
            // The pong (or any message) resets lastReceived; no reply means the idle timeout ends it.
            send(runtime.makeMessage(type: .ping, to: session.peer), context: context)
        }
    }
}

extension Duration {
    var timeAmount: TimeAmount { .nanoseconds(milliseconds * 1_000_000) }
}

/// Wall-clock milliseconds, for message timestamps.
enum Clock {
    static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}
