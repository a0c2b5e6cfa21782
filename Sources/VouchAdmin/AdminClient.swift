import NIOCore
import NIOPosix

/// A connection to a running daemon's admin API, for the CLI and for Swift tools.
///
/// Built on SwiftNIO like the server rather than on blocking POSIX sockets: the CLI's commands are
/// `async`, an event stream has to be read while the caller consumes it, and sharing the line
/// decoder with the server means both sides frame lines by one rule. The cost is NIO's shared
/// event loop threads, started lazily, which a short-lived CLI process can afford.
///
/// Requests may be sent concurrently from several tasks: each has its own id and the answers are
/// matched by id. After ``follow(types:)`` the connection carries only events; use a second client
/// for requests.
public final class AdminClient: Sendable {
    public let socketPath: String
    private let channel: any Channel
    private let state: AdminClientState

    /// How many received events may wait for the consumer of ``follow(types:)`` before the stream
    /// is ended with `events-dropped`, the same rule the server applies to its followers.
    static let eventBufferLimit = 4096

    private init(socketPath: String, channel: any Channel, state: AdminClientState) {
        self.socketPath = socketPath
        self.channel = channel
        self.state = state
    }

    deinit { channel.close(promise: nil) }

    /// Connects and authenticates with the cookie the daemon wrote.
    ///
    /// Throws ``AdminError``: `daemon-not-running` when no socket or cookie exists or nothing
    /// listens; `permission-denied` when this user may not use them; `auth-failed` when the
    /// cookie is stale; `io` otherwise.
    public static func connect(socketPath: String, cookiePath: String) async throws -> AdminClient {
        let state = AdminClientState()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(AdminLineDecoder(maximumLength: AdminLineCodec.maximumResponseLength)),
                            AdminClientHandler(state: state)
                        )
                    }
                }
                .connect(unixDomainSocketPath: socketPath).get()
        } catch {
            throw AdminSocketGuard.connectError(error, socketPath: socketPath)
        }
        let client = AdminClient(socketPath: socketPath, channel: channel, state: state)
        do {
            let cookie = try AdminCookie.read(from: cookiePath)
            _ = try await client.send(AuthRequest(cookie: cookie.value), following: false)
        } catch {
            client.close()
            throw error
        }
        return client
    }

    /// Sends one request and returns its response; throws ``AdminError`` with the server's code
    /// when the answer is an error, `connection-closed` when the daemon went away first, and
    /// `malformed` when the result does not have the response's shape.
    public func call<Method: AdminMethod>(_ request: Method) async throws -> Method.Response {
        try await send(request, following: false)
    }

    /// Sends a request by name with untyped params: for the admin module's own tests of the
    /// transport. Commands use ``call(_:)``.
    package func call(_ method: String, params: JSONValue = [:]) async throws -> JSONValue {
        try await send(method, params: params, following: false)
    }

    /// Subscribes to the daemon's events (all of them, or only `types`) and returns once the
    /// daemon has confirmed, so every event published after this returns is in the stream.
    ///
    /// The stream ends without error after ``close()`` (or when the consumer stops iterating),
    /// throws `events-dropped` when the daemon or this client cut it because the consumer fell
    /// behind, and `connection-closed` when the daemon stops.
    public func follow(types: [String]? = nil) async throws -> AsyncThrowingStream<AdminEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: AdminEvent.self, throwing: (any Error).self, bufferingPolicy: .bufferingOldest(Self.eventBufferLimit)
        )
        try state.startFollowing(continuation)
        do {
            _ = try await send(EventsFollowRequest(types: types), following: true)
        } catch {
            state.stopFollowing()
            continuation.finish(throwing: error)
            throw error
        }
        // Holds the client (and so the connection) for as long as someone reads the stream.
        continuation.onTermination = { _ in self.close() }
        return stream
    }

    /// Closes the connection. Calls waiting for an answer fail with `connection-closed`; an
    /// event stream ends normally.
    public func close() {
        state.closedByClient()
        channel.close(promise: nil)
    }

    private func send<Method: AdminMethod>(_ request: Method, following: Bool) async throws -> Method.Response {
        let result = try await send(Method.name, params: try JSONValue(encoding: request), following: following)
        return try Method.decode(result: result)
    }

    private func send(_ method: String, params: JSONValue, following: Bool) async throws -> JSONValue {
        let id = state.allocateID()
        let line = AdminLineCodec.encode(AdminMessage.request(id: id, method: method, params: params))
        let channel = self.channel
        let state = self.state
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard state.register(id: id, continuation, following: following) else { return }
                channel.writeAndFlush(line).whenFailure { error in
                    state.fail(id: id, with: AdminError(.connectionClosed, "could not send to the daemon: \(error)"))
                }
            }
        } onCancel: {
            state.fail(id: id, with: CancellationError())
        }
    }
}
