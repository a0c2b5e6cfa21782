import NIOCore
import VouchCrypto
import Synchronization

/// The client connection's bookkeeping, shared by the tasks that call and the event loop that
/// reads: which requests wait for which id, where events go, and why the connection ended.
final class AdminClientState: Sendable {
    typealias Waiter = CheckedContinuation<JSONValue, any Error>
    typealias Events = AsyncThrowingStream<AdminEvent, any Error>.Continuation

    private struct State {
        var nextID: Int64 = 0
        var pending: [Int64: Waiter] = [:]
        /// Ids whose caller was cancelled before the request was registered.
        var cancelled: Set<Int64> = []
        var events: Events?
        var following = false
        /// Set once the connection is over (or known to be ending): the error later calls get.
        var ended: AdminError?
        var endedByClient = false
    }

    /// A pthread mutex (`PThreadLocked`), which ThreadSanitizer sees; it reported the accesses the
    /// Linux `Synchronization.Mutex` ordered (with futexes it cannot see) as races.
    private let state = PThreadLocked(State())

    func allocateID() -> Int64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Stores `waiter` for `id`, or resumes it at once with the reason it cannot be sent.
    /// Returns true if the request should be written.
    func register(id: Int64, _ waiter: Waiter, following: Bool) -> Bool {
        let refusal: (any Error)? = state.withLock { state in
            if state.cancelled.remove(id) != nil { return CancellationError() }
            if let ended = state.ended { return ended }
            if state.following && !following {
                return AdminError(.connectionClosed, "this connection follows events; open another connection for requests")
            }
            state.pending[id] = waiter
            return nil
        }
        if let refusal { waiter.resume(throwing: refusal) }
        return refusal == nil
    }

    func fail(id: Int64, with error: any Error) {
        let waiter = state.withLock { state in
            let waiter = state.pending.removeValue(forKey: id)
            if waiter == nil, error is CancellationError { state.cancelled.insert(id) }
            return waiter
        }
        waiter?.resume(throwing: error)
    }

    func startFollowing(_ events: Events) throws {
        try state.withLock { state in
            if let ended = state.ended { throw ended }
            guard !state.following else {
                throw AdminError(.connectionClosed, "this connection follows events already")
            }
            state.following = true
            state.events = events
        }
    }

    func stopFollowing() {
        state.withLock { state in
            state.following = false
            state.events = nil
        }
    }

    func closedByClient() {
        state.withLock { state in
            if state.ended == nil {
                state.ended = AdminError(.connectionClosed, "the connection was closed")
                state.endedByClient = true
            }
        }
    }

    // MARK: - From the channel handler, on the event loop

    /// One line from the daemon: an answer to a pending request, an event, or a connection-level
    /// error (id null) that precedes the daemon closing the connection.
    func received(_ value: JSONValue) -> ReceiveAction {
        if let event = value["event"] {
            guard let event = AdminEvent(json: event) else { return .protocolError("the daemon sent an event without a type or time") }
            guard let events = state.withLock({ $0.events }) else { return .none }
            if event.type == AdminEvent.droppedType {
                end(AdminError(.eventsDropped, "the daemon dropped this event stream because it was read too slowly"))
                return .close
            }
            if case .dropped = events.yield(event) {
                end(AdminError(.eventsDropped, "this client dropped the event stream because it was read too slowly"))
                return .close
            }
            return .none
        }
        let error = AdminMessage.error(in: value)
        guard let id = value["id"]?.intValue else {
            if let error { end(error) }
            return .none
        }
        let waiter = state.withLock { $0.pending.removeValue(forKey: id) }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: value["result"] ?? .null) }
        return .none
    }

    enum ReceiveAction: Equatable {
        case none
        case close
        case protocolError(String)
    }

    /// Records why the connection is ending, unless a reason is known already.
    func end(_ reason: AdminError) {
        let events = state.withLock { state -> Events? in
            guard state.ended == nil else { return nil }
            state.ended = reason
            defer { state.events = nil }
            return state.events
        }
        events?.finish(throwing: reason)
    }

    /// The connection is gone: fails every waiting call and ends the event stream.
    func closed() {
        let (waiters, events, reason, byClient) = state.withLock { state in
            let reason = state.ended ?? AdminError(.connectionClosed, "the daemon closed the connection")
            state.ended = reason
            defer {
                state.pending = [:]
                state.events = nil
            }
            return (Array(state.pending.values), state.events, reason, state.endedByClient)
        }
        for waiter in waiters { waiter.resume(throwing: reason) }
        if byClient { events?.finish() } else { events?.finish(throwing: reason) }
    }
}

/// Feeds lines from the daemon into ``AdminClientState``.
final class AdminClientHandler: ChannelInboundHandler {
    typealias InboundIn = AdminLine

    private let state: AdminClientState

    init(state: AdminClientState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .tooLong:
            state.end(AdminError(.tooLarge, "the daemon sent a line longer than \(AdminLineCodec.maximumResponseLength) bytes"))
            context.close(promise: nil)
        case .line(let line):
            guard line.readableBytes > 0 else { return }
            guard let value = try? AdminLineCodec.decode(line) else {
                state.end(AdminError(.malformed, "the daemon sent a line that is not JSON"))
                context.close(promise: nil)
                return
            }
            switch state.received(value) {
            case .none: break
            case .close: context.close(promise: nil)
            case .protocolError(let message):
                state.end(AdminError(.malformed, message))
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.end(AdminError(.connectionClosed, "the connection to the daemon failed: \(error)"))
        context.close(promise: nil)
    }
}
