import Foundation
import Logging
import NIOCore
import VouchCrypto
import VouchProtocol
import VouchAdmin
import VouchTLS

/// Runs one authenticated connection's `SessionStateMachine`: feeds it every frame, timer and
/// writability change, and carries out the actions it returns (replies, deliveries, request
/// completion, keepalive, pausing and resuming reads, closing). Every rule lives in the machine.
///
/// A duplex handler so that it can hold back the channel's `read()` while the machine has paused
/// reading (backpressure).
///
/// Not Sendable: it lives on its channel's event loop; other threads reach it through `PeerSession`.
final class PeerSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let runtime: NodeRuntime
    private let direction: SessionDirection
    private var logger: Logger
    private var session: PeerSession?
    private var machine: SessionStateMachine?
    /// The futures of requests waiting for their reply, keyed by the request's id; which ones
    /// complete or fail is the machine's decision.
    private var pending: [MessageID: (promise: EventLoopPromise<WireMessage>, timer: Scheduled<Void>)] = [:]
    private var keepaliveTask: RepeatedTask?
    private var context: ChannelHandlerContext?
    /// A `read()` held back while reading is paused, issued on resume.
    private var heldRead = false
    /// Why the connection failed, given to requests still waiting when it closes.
    private var failure: (any Error)?
    /// Completed once the session is registered (or failed if the connection ends first), then
    /// dropped: its future's value is the session, which holds this handler, so keeping the
    /// promise would keep the handler, the session and the channel alive after the close.
    private var established: EventLoopPromise<PeerSession>?

    init(runtime: NodeRuntime, direction: SessionDirection, remoteAddress: String, established: EventLoopPromise<PeerSession>) {
        self.runtime = runtime
        self.direction = direction
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

    /// Monotonic time for the machine.
    private static func now() -> Duration { .nanoseconds(Int64(clamping: NIODeadline.now().uptimeNanoseconds)) }

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
        machine = SessionStateMachine(local: runtime.identity, limits: runtime.limits, now: Self.now())
        logger.info("session established", metadata: ["tls.version": .string(done.protocolVersion), "tls.cipher": .string(done.cipher)])
        runtime.publish(.sessionOpened, ["peer": .string(peer.description), "direction": .string(direction.rawValue)])
        runtime.peerConnected(peer)
        // Checked twice per keepalive interval, so a ping goes out at most 1.5 intervals after silence began.
        let half = TimeAmount.nanoseconds(runtime.limits.keepaliveInterval.timeAmount.nanoseconds / 2)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepaliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: half, delay: half) { _ in
            loopBound.value.apply { $0.tick(now: Self.now()) }
        }
        if !context.channel.isWritable { apply { $0.writabilityChanged(isWritable: false, now: Self.now()) } }
        settle(.success(session))
    }

    private func settle(_ result: Result<PeerSession, any Error>) {
        guard let established else { return }
        self.established = nil
        established.completeWith(result)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard machine != nil else {
            // The TLS handler delivers data only after the handshake; this cannot happen.
            context.close(promise: nil)
            return
        }
        let frame = unwrapInboundIn(data)
        apply { $0.received(Array(frame.readableBytesView), now: Self.now(), wallClock: Clock.nowMilliseconds()) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if machine != nil {
            let writable = context.channel.isWritable
            apply { $0.writabilityChanged(isWritable: writable, now: Self.now()) }
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if machine?.isReadingPaused == true {
            heldRead = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepaliveTask?.cancel()
        if machine != nil {
            apply { $0.closed() }
        }
        // Requests started before the session was established have no machine entry.
        for (_, waiting) in pending {
            waiting.timer.cancel()
            waiting.promise.fail(failure ?? SessionError(kind: .closed, message: SessionStateMachine.Failure.closed.description))
        }
        pending.removeAll()
        if let session {
            runtime.sessions.remove(session)
            runtime.publish(.sessionClosed, ["peer": .string(session.peer.description)])
            logger.info("session closed")
        } else {
            settle(.failure(SessionError(kind: .closed, message: "the connection closed before the session was established")))
        }
        self.session = nil
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = error }
        switch error {
        case let tls as TLSError:
            logger.notice("TLS failure", metadata: ["code": .string(tls.code.description), "error": .string(UntrustedText.escaped(tls.message))])
            settle(.failure(tls))
        case let failure as ProtocolError where failure.code == .tooLarge || failure.code == .malformed:
            logger.warning("refused a frame; closing", metadata: ["error": .string(failure.message)])
            sendError(failure.code == .tooLarge ? .tooLarge : .malformed, failure.message, replyTo: nil, thenClose: true)
            return
        case let cut as TruncatedFrame:
            logger.notice("peer vanished mid-message", metadata: ["error": .string(cut.description)])
        default:
            logger.notice("connection error", metadata: ["error": .string(UntrustedText.escaped("\(error)"))])
            settle(.failure(error))
        }
        context.close(promise: nil)
    }

    // MARK: Running the machine's actions

    private func apply(_ event: (inout SessionStateMachine) -> [SessionStateMachine.Action]) {
        guard machine != nil else { return }
        let actions = event(&machine!)
        for action in actions { run(action) }
    }

    private func run(_ action: SessionStateMachine.Action) {
        guard let context else { return }
        switch action {
        case .reply(let id, let body):
            send(body, replyTo: id)
        case .sendError(let replyTo, let code, let reason, let close):
            logger.notice("refused a message", metadata: ["code": .string(code.rawValue), "reason": .string(UntrustedText.escaped(reason)),
                                                           "closing": .stringConvertible(close)])
            sendError(code, reason, replyTo: replyTo, thenClose: close)
        case .deliver(let message, let delivery):
            deliver(message, delivery, context: context)
        case .answer(let message, let query):
            answer(message, query, context: context)
        case .completeRequest(let id, let reply):
            guard let waiting = pending.removeValue(forKey: id) else { return }
            waiting.timer.cancel()
            waiting.promise.succeed(reply)
        case .failRequest(let id, let why):
            guard let waiting = pending.removeValue(forKey: id) else { return }
            waiting.timer.cancel()
            let kind: SessionError.Kind = why == .timeout ? .timeout : .closed
            waiting.promise.fail(failure ?? SessionError(kind: kind, message: why.description))
        case .sendKeepalive:
            // The pong (or any frame) counts as activity; no reply means the idle timeout ends it.
            if let session { send(runtime.makeMessage(type: .ping, to: session.peer)) }
        case .close(let why):
            switch why {
            case .idle: logger.info("closing an idle session")
            case .peerNotReading: logger.notice("closing a session whose peer does not read what it is sent")
            case .timeout, .closed, .tooManyRequests, .invalidReply: logger.notice("closing the session", metadata: ["reason": .string(why.description)])
            }
            context.close(promise: nil)
        case .pauseReading:
            logger.debug("reading paused")
        case .resumeReading:
            logger.debug("reading resumed")
            if heldRead {
                heldRead = false
                context.read()
            }
        case .scheduleResume(let delay):
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: delay.timeAmount) { loopBound.value.apply { $0.resumeTimerFired(now: Self.now()) } }
        case .scheduleStallCheck(let delay):
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: delay.timeAmount) { loopBound.value.apply { $0.writeStallTimerFired(now: Self.now()) } }
        case .notice(.droppedUnanswerable(let code, let reason)):
            logger.notice("dropped a message that is not answered", metadata: ["code": .string(code.rawValue),
                                                                                "reason": .string(UntrustedText.escaped(reason))])
        case .notice(.peerReportedError(let body)):
            logger.notice("peer reported an error", metadata: ["code": .string(UntrustedText.escaped(body.code.rawValue)),
                                                                "message": .string(UntrustedText.escaped(body.message))])
        case .notice(.unsolicitedReply(let type)):
            logger.debug("a reply that answers nothing waiting", metadata: ["type": .string(type.rawValue)])
        }
    }

    /// Runs a delivery's effect off the event loop, then sends its reply and tells the machine.
    private func deliver(_ message: WireMessage, _ delivery: Delivery, context: ChannelHandlerContext) {
        guard let peer = session?.peer else { return }
        let runtime = self.runtime
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let source = context.channel.remoteAddress?.ipAddress
        let promise = context.eventLoop.makePromise(of: MessageBody.self)
        promise.completeWithTask { await runtime.deliveries.handle(delivery, in: message, from: peer, source: source) }
        promise.futureResult.whenSuccess { answer in
            loopBound.value.send(answer, replyTo: message.id)
            loopBound.value.apply { $0.deliveryFinished() }
        }
    }

    /// Has the node answer a disclosure query off the event loop, then sends the answer.
    private func answer(_ message: WireMessage, _ query: Query, context: ChannelHandlerContext) {
        guard let peer = session?.peer else { return }
        let runtime = self.runtime
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let promise = context.eventLoop.makePromise(of: MessageBody.self)
        promise.completeWithTask { await runtime.disclosure.answer(query, from: peer) }
        promise.futureResult.whenSuccess { answer in
            loopBound.value.send(answer, replyTo: message.id)
            loopBound.value.apply { $0.deliveryFinished() }
        }
    }

    // MARK: Sending

    func sendRequest(_ message: WireMessage, timeout: TimeAmount) -> EventLoopFuture<WireMessage> {
        guard let context, machine != nil else {
            return runtime.group.any().makeFailedFuture(SessionError(kind: .closed, message: "the session is closed"))
        }
        let promise = context.eventLoop.makePromise(of: WireMessage.self)
        let id = message.id
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.apply { $0.requestTimedOut(id) } }
        pending[id] = (promise, timer)
        apply { $0.requestStarted(id) }
        if pending[id] != nil { send(message) }
        return promise.futureResult
    }

    private func send(_ message: WireMessage) {
        guard let context, context.channel.isActive else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: message.encoded)), promise: nil)
    }

    private func send(_ body: MessageBody, replyTo: MessageID?) {
        guard let session else { return }
        send(runtime.makeMessage(type: body.type, to: session.peer, replyTo: replyTo, body: body.value))
    }

    private func sendError(_ code: WireErrorCode, _ text: String, replyTo: MessageID?, thenClose: Bool) {
        guard let context else { return }
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
}

extension Duration {
    /// The same span for NIO timers, to the nanosecond (a rate-limit pause can be under a millisecond).
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
                            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Wall-clock milliseconds, for message timestamps (0 for a clock set before 1970).
enum Clock {
    static func nowMilliseconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}
