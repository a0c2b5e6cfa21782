import Logging
import NIOCore

/// One client connection on the server: authentication, then requests answered one at a time,
/// in order, or — after `events.follow` — a stream of events.
///
/// Answers are written with `writeAndFlush` and awaited, so the next request is read only when
/// the previous answer is in the kernel: a client that sends faster than it reads is slowed
/// down instead of making the daemon buffer.
struct AdminConnection {
    /// What every connection of one server shares.
    struct Context: Sendable {
        let cookie: AdminCookie
        let handler: AdminHandler
        let events: AdminEventBus
        let logger: Logger
        let authenticationTimeout: TimeAmount
    }

    let channel: NIOAsyncChannel<AdminLine, Never>
    let context: Context

    /// What the connection does after a line.
    private enum Step {
        case next
        case close
        case follow(AdminEventSubscription)
    }

    func serve() async {
        let raw = channel.channel
        await withTaskCancellationHandler {
            do {
                try await channel.executeThenClose { inbound in
                    // The group holds the event pump once the connection follows events.
                    await withDiscardingTaskGroup { group in
                        var authenticated = false
                        var following = false
                        let logger = context.logger
                        let authenticationDeadline = raw.eventLoop.scheduleTask(in: context.authenticationTimeout) {
                            logger.notice("closing an admin connection that did not authenticate in time")
                            raw.close(promise: nil)
                        }
                        defer { authenticationDeadline.cancel() }
                        do {
                            for try await line in inbound {
                                // A follower's further input is read only to notice when it goes.
                                if following { continue }
                                defer { if authenticated { authenticationDeadline.cancel() } }
                                switch try await answer(line, authenticated: &authenticated,
                                                        whenAuthenticated: { authenticationDeadline.cancel() }) {
                                case .next: continue
                                case .close: return
                                case .follow(let subscription):
                                    following = true
                                    group.addTask { await pump(subscription, to: raw) }
                                }
                            }
                        } catch {
                            if !(error is CancellationError) {
                                context.logger.debug("admin connection ended", metadata: ["error": "\(error)"])
                            }
                        }
                        // The pump may be stuck writing to a client that stopped reading.
                        if following { raw.close(promise: nil) }
                        group.cancelAll()
                    }
                }
            } catch {
                context.logger.debug("admin connection closed with an error", metadata: ["error": "\(error)"])
            }
        } onCancel: {
            // Shutdown: the read loop stops after the current request; this is only for an answer
            // that cannot be delivered because the client does not read.
            _ = raw.eventLoop.scheduleTask(in: AdminServer.shutdownGrace) { raw.close(promise: nil) }
        }
    }

    /// `whenAuthenticated` runs before the auth reply is sent: once a client is told it is
    /// authenticated, the authentication deadline must no longer close its connection.
    private func answer(_ line: AdminLine, authenticated: inout Bool, whenAuthenticated: () -> Void) async throws -> Step {
        let bytes: ByteBuffer
        switch line {
        case .tooLong:
            try await send(AdminMessage.error(id: nil, AdminError(
                .tooLarge, "a request line may be at most \(AdminLineCodec.maximumRequestLength) bytes")))
            return .close
        case .line(let line):
            bytes = line
        }
        // Blank lines are allowed, so an interactive `socat` session forgives an extra Enter.
        if bytes.readableBytesView.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return .next }

        let value: JSONValue
        do {
            value = try AdminLineCodec.decode(bytes)
        } catch {
            try await send(AdminMessage.error(id: nil, AdminError(.malformed, "the line is not valid JSON")))
            return .close
        }
        let request: AdminMessage.Request
        switch AdminMessage.parseRequest(value) {
        case .success(let parsed): request = parsed
        case .failure(let failure):
            try await send(AdminMessage.error(id: failure.id, failure.error))
            return .close
        }

        if request.method == AuthRequest.name {
            guard let auth = try? AuthRequest.decode(params: request.params), context.cookie.matches(auth.cookie) else {
                context.logger.notice("admin client presented a wrong cookie")
                try await send(AdminMessage.error(id: request.id, AdminError(
                    .authFailed, "the cookie does not match; read it again from the node home (it changes at each daemon start)")))
                return .close
            }
            authenticated = true
            whenAuthenticated()
            try await send(AdminMessage.result(id: request.id, try JSONValue(encoding: AuthResponse(authenticated: true))))
            return .next
        }
        guard authenticated else {
            try await send(AdminMessage.error(id: request.id, AdminError(
                .unauthenticated, "the first request must be \"auth\" with the cookie from the node home")))
            return .close
        }

        if request.method == EventsFollowRequest.name {
            let follow: EventsFollowRequest
            do {
                follow = try EventsFollowRequest.decode(params: request.params)
            } catch {
                try await send(AdminMessage.error(id: request.id, error))
                return .next
            }
            // Subscribed before the answer: an event published after the client reads
            // `following` is never missed.
            let subscription = context.events.subscribe(types: follow.types.map(Set.init))
            try await send(AdminMessage.result(id: request.id, try JSONValue(encoding: EventsFollowResponse(following: true))))
            return .follow(subscription)
        }

        // In its own task so that shutdown (which cancels this connection's task) does not cancel
        // a request half done: the node decides what a request does when the node stops.
        let handler = context.handler
        let call = AdminRequest(method: request.method, params: request.params)
        let outcome = await Task { try await handler(call) }.result
        switch outcome {
        case .success(let result):
            try await send(AdminMessage.result(id: request.id, result))
        case .failure(let error as AdminError):
            try await send(AdminMessage.error(id: request.id, error))
        case .failure(let error):
            // The detail may name files or peers; it goes to the owner's log, not to the wire.
            context.logger.error("admin request failed", metadata: ["method": "\(request.method)", "error": "\(error)"])
            try await send(AdminMessage.error(id: request.id, AdminError(
                .internal, "the daemon could not complete \"\(request.method)\"; its log has the detail")))
        }
        return .next
    }

    private func send(_ value: JSONValue) async throws {
        try await channel.channel.writeAndFlush(AdminLineCodec.encode(value))
    }

    /// Writes the subscription's events until it ends, the client goes, or it overflows.
    private func pump(_ subscription: AdminEventSubscription, to raw: any Channel) async {
        defer { subscription.cancel() }
        while let item = await subscription.next() {
            switch item {
            case .event(let event):
                do {
                    try await raw.writeAndFlush(AdminLineCodec.encode(AdminMessage.event(event)))
                } catch {
                    return
                }
            case .dropped:
                let dropped = AdminEvent(
                    type: AdminEvent.droppedType,
                    data: ["reason": "the follower fell behind", "bufferLimit": .int(Int64(context.events.bufferLimit))]
                )
                try? await raw.writeAndFlush(AdminLineCodec.encode(AdminMessage.event(dropped)))
                raw.close(promise: nil)
                return
            }
        }
    }
}
