/// The rules of one authenticated session (Protocol/transport.md §4.1, §5, §6, §8) as a value
/// that takes events and returns the actions to run, so every rule is tested without a channel.
/// The NIO handler (`PeerSessionHandler`) only feeds it events and runs its actions.
///
/// What it decides:
/// - each inbound frame: decoded, checked (`InboundMessagePolicy`), its body read for its type
///   (`MessageBody`), then answered, matched to a waiting request, or handed to the node as a delivery;
/// - request/reply matching: which replies complete a request, which are unsolicited;
/// - keepalive and idle close, from the time of the last frame received;
/// - when to stop reading from the peer: while our replies cannot be written (the peer does not
///   read), while it is over its message rate, or while too many of its deliveries are being
///   stored. Reading resumes when all of those clear; a peer that stops reading for
///   `writeStallTimeout` is closed. Stopping reads is the backpressure: TCP slows the sender, no
///   queue in the node grows with what a peer sends.
///
/// Time is `Duration` since any fixed origin of a monotonic clock; wall-clock milliseconds are
/// used only for the message timestamps.
public struct SessionStateMachine: Sendable {
    public enum Action: Sendable, Equatable {
        /// Send `body` as the reply to `to`.
        case reply(to: MessageID, MessageBody)
        /// Send an `error` reply (`replyTo` nil when the frame's id could not be read); close the
        /// session once it is written when `close` is set.
        case sendError(replyTo: MessageID?, code: WireErrorCode, reason: String, close: Bool)
        /// Run the delivery's effect and send its reply, then call `deliveryFinished()`.
        case deliver(WireMessage, Delivery)
        /// Have the node answer the query and send the answer, then call `deliveryFinished()`
        /// (a query counts among the messages in flight, as a delivery does).
        case answer(WireMessage, Query)
        /// The reply a request waits for arrived.
        case completeRequest(MessageID, WireMessage)
        /// A waiting request fails.
        case failRequest(MessageID, Failure)
        /// Send a keepalive `ping` (its `pong`, like any frame, counts as activity).
        case sendKeepalive
        /// Close the session.
        case close(Failure)
        /// Stop reading from the peer; resume on `resumeReading`.
        case pauseReading
        case resumeReading
        /// Call `resumeTimerFired(now:)` after this long.
        case scheduleResume(after: Duration)
        /// Call `writeStallTimerFired(now:)` after this long.
        case scheduleStallCheck(after: Duration)
        /// Nothing to send; something a log should show.
        case notice(Notice)
    }

    /// Why a request failed or the session closed.
    public enum Failure: Sendable, Equatable, CustomStringConvertible {
        case timeout
        case closed
        case idle
        case peerNotReading
        case tooManyRequests
        case invalidReply(String)

        public var description: String {
            switch self {
            case .timeout: "no reply in time"
            case .closed: "the session closed before the reply arrived"
            case .idle: "nothing received for too long"
            case .peerNotReading: "the peer stopped reading"
            case .tooManyRequests: "too many requests are waiting on this session"
            case .invalidReply(let reason): "the reply is not valid: \(reason)"
            }
        }
    }

    public enum Notice: Sendable, Equatable {
        /// An inbound message refused and not answered (an `error` is never answered: no loops).
        case droppedUnanswerable(code: WireErrorCode, reason: String)
        /// The peer sent an `error` that answers nothing we wait for.
        case peerReportedError(WireErrorBody)
        /// A `pong` or `ack` that answers nothing we wait for (late, after a timeout).
        case unsolicitedReply(WireMessageType)
    }

    /// Why reading is paused; reading resumes when none is left.
    struct PauseReasons: Sendable, Equatable {
        var writeBlocked = false
        var rateLimited = false
        var deliveriesInFlight = false
        var any: Bool { writeBlocked || rateLimited || deliveriesInFlight }
    }

    public let local: NodeID
    public let limits: TransportLimits
    public private(set) var lastReceived: Duration
    private var pending: Set<MessageID> = []
    public private(set) var deliveriesInFlight = 0
    private var limiter: MessageRateLimiter
    private var paused = PauseReasons()
    private var writeBlockedSince: Duration?
    public private(set) var isClosed = false

    public init(local: NodeID, limits: TransportLimits, now: Duration) {
        self.local = local
        self.limits = limits
        self.lastReceived = now
        self.limiter = MessageRateLimiter(ratePerSecond: limits.messageRate, burst: limits.messageBurst, now: now)
    }

    public var isReadingPaused: Bool { paused.any }
    public var pendingRequestCount: Int { pending.count }

    // MARK: Inbound

    /// A frame payload arrived. `wallClock` is Unix milliseconds, for the expiry checks.
    public mutating func received(_ frame: [UInt8], now: Duration, wallClock: UInt64) -> [Action] {
        guard !isClosed else { return [] }
        lastReceived = now
        var actions: [Action] = []
        if let wait = limiter.consume(now: now), !paused.rateLimited {
            actions += pause { $0.rateLimited = true }
            actions.append(.scheduleResume(after: wait))
        }
        let message: WireMessage
        do {
            message = try WireMessage(decoding: frame)
        } catch {
            return actions + [.sendError(replyTo: error.messageID, code: error.code, reason: error.message, close: true)]
        }
        switch InboundMessagePolicy.check(message, localNode: local, nowMilliseconds: wallClock, limits: limits) {
        case .reject(let code, let reason):
            if message.type == WireMessageType.error.rawValue {
                actions.append(.notice(.droppedUnanswerable(code: code, reason: reason)))
            } else {
                actions.append(.sendError(replyTo: message.id, code: code, reason: reason, close: false))
            }
        case .accept(let type):
            actions += accepted(message, type: type)
        }
        return actions
    }

    private mutating func accepted(_ message: WireMessage, type: WireMessageType) -> [Action] {
        let body: MessageBody
        do {
            body = try MessageBody(type: type, body: message.body)
        } catch {
            switch type.kind {
            case .request, .delivery, .query:
                return [.sendError(replyTo: message.id, code: .invalidBody, reason: error.message, close: false)]
            case .reply:
                // Not answered (a reply to a reply could loop); the request it names fails now.
                if let replyTo = message.replyTo, pending.remove(replyTo) != nil {
                    return [.failRequest(replyTo, .invalidReply(error.message))]
                }
                return [.notice(.droppedUnanswerable(code: .invalidBody, reason: error.message))]
            }
        }
        switch body {
        case .ping:
            return [.reply(to: message.id, .pong)]
        case .pong, .ack, .error, .answer:
            if let replyTo = message.replyTo, pending.remove(replyTo) != nil {
                return [.completeRequest(replyTo, message)]
            }
            if case .error(let error) = body { return [.notice(.peerReportedError(error))] }
            return [.notice(.unsolicitedReply(type))]
        case .delivery(let delivery):
            return handOver(.deliver(message, delivery))
        case .query(let query):
            return handOver(.answer(message, query))
        }
    }

    /// A delivery or a query goes to the node; reading pauses while too many are in flight.
    private mutating func handOver(_ action: Action) -> [Action] {
        deliveriesInFlight += 1
        var actions: [Action] = [action]
        if deliveriesInFlight >= limits.maximumDeliveriesInFlight {
            actions += pause { $0.deliveriesInFlight = true }
        }
        return actions
    }

    /// A delivery's reply was sent (or the delivery failed): one fewer in flight.
    public mutating func deliveryFinished() -> [Action] {
        deliveriesInFlight = max(0, deliveriesInFlight - 1)
        guard !isClosed, paused.deliveriesInFlight, deliveriesInFlight < limits.maximumDeliveriesInFlight else { return [] }
        return resume { $0.deliveriesInFlight = false }
    }

    /// The rate-limit pause may be over.
    public mutating func resumeTimerFired(now: Duration) -> [Action] {
        guard !isClosed, paused.rateLimited else { return [] }
        if let wait = limiter.wait(now: now) { return [.scheduleResume(after: wait)] }
        return resume { $0.rateLimited = false }
    }

    // MARK: Outbound

    /// A request is about to be sent; the session then waits for its reply.
    public mutating func requestStarted(_ id: MessageID) -> [Action] {
        guard !isClosed else { return [.failRequest(id, .closed)] }
        guard pending.count < limits.maximumPendingRequests else { return [.failRequest(id, .tooManyRequests)] }
        pending.insert(id)
        return []
    }

    /// A request's own timer ran out.
    public mutating func requestTimedOut(_ id: MessageID) -> [Action] {
        pending.remove(id) == nil ? [] : [.failRequest(id, .timeout)]
    }

    /// The channel's writability changed: not writable means our writes are queued because the
    /// peer does not read them.
    public mutating func writabilityChanged(isWritable: Bool, now: Duration) -> [Action] {
        guard !isClosed else { return [] }
        if isWritable {
            writeBlockedSince = nil
            return paused.writeBlocked ? resume { $0.writeBlocked = false } : []
        }
        guard writeBlockedSince == nil else { return [] }
        writeBlockedSince = now
        return pause { $0.writeBlocked = true } + [.scheduleStallCheck(after: limits.writeStallTimeout)]
    }

    /// The stall timer ran out: a peer that has not read our writes for `writeStallTimeout` is closed.
    public mutating func writeStallTimerFired(now: Duration) -> [Action] {
        guard !isClosed, let since = writeBlockedSince else { return [] }
        if now - since >= limits.writeStallTimeout { return close(.peerNotReading) }
        return [.scheduleStallCheck(after: limits.writeStallTimeout - (now - since))]
    }

    // MARK: Time and end

    /// The periodic check (the handler calls it every half keepalive interval): a keepalive ping
    /// after `keepaliveInterval` of silence, a close after `idleTimeout`.
    public mutating func tick(now: Duration) -> [Action] {
        guard !isClosed else { return [] }
        let silent = now - lastReceived
        if silent >= limits.idleTimeout { return close(.idle) }
        if silent >= limits.keepaliveInterval { return [.sendKeepalive] }
        return []
    }

    /// The connection is gone: every waiting request fails.
    public mutating func closed() -> [Action] {
        isClosed = true
        let failed = pending.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }.map { Action.failRequest($0, .closed) }
        pending.removeAll()
        return failed
    }

    private mutating func close(_ why: Failure) -> [Action] {
        isClosed = true
        let failed = pending.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }.map { Action.failRequest($0, why) }
        pending.removeAll()
        return failed + [.close(why)]
    }

    private mutating func pause(_ change: (inout PauseReasons) -> Void) -> [Action] {
        let was = paused.any
        change(&paused)
        return !was && paused.any ? [.pauseReading] : []
    }

    private mutating func resume(_ change: (inout PauseReasons) -> Void) -> [Action] {
        let was = paused.any
        change(&paused)
        return was && !paused.any ? [.resumeReading] : []
    }
}
