public import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The daemon's side of the admin API: a Unix socket in the node home, a cookie file next to it,
/// newline-delimited JSON on every connection.
///
/// A Unix socket rather than a TCP port on localhost: the file system decides who may connect
/// (any local user can reach a loopback port), there is no port to collide with another node on
/// the same machine, and the socket's presence says whether a daemon runs.
///
/// `run()` has the shape of a swift-service-lifecycle `Service` without depending on it: it serves
/// until its task is cancelled, then closes the listener, lets each connection finish the request
/// it is handling (its answer is still written), and removes the socket and cookie.
public struct AdminServer: Sendable {
    public let socketPath: String
    public let cookiePath: String
    private let events: AdminEventBus
    private let handler: AdminHandler
    private let logger: Logger
    private let authenticationTimeout: TimeAmount

    /// How long, at shutdown, a connection may take to deliver its last answer to a client that
    /// has stopped reading, before it is closed anyway: a stuck client must not hold the daemon.
    static let shutdownGrace: TimeAmount = .seconds(10)

    /// - Parameters:
    ///   - socketPath: where to listen; its directory must be private to this user (mode 0700).
    ///   - cookiePath: where to write the credential clients must present.
    ///   - events: the bus the node publishes to; `events.follow` subscribes to it.
    ///   - authenticationTimeout: a connection that has not authenticated by then is closed, so
    ///     a stuck or idle local client cannot hold connections open forever.
    ///   - handler: answers every authenticated request except `auth` and `events.follow`.
    public init(
        socketPath: String,
        cookiePath: String,
        events: AdminEventBus,
        logger: Logger,
        authenticationTimeout: Duration = .seconds(10),
        handler: @escaping AdminHandler
    ) {
        let (seconds, attoseconds) = authenticationTimeout.components
        self.authenticationTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        self.socketPath = socketPath
        self.cookiePath = cookiePath
        self.events = events
        self.logger = logger
        self.handler = handler
    }

    /// Serves until the task is cancelled. Throws ``AdminError`` if it cannot start:
    /// `insecure-permissions` (the directory is open to others), `already-running` (a live
    /// daemon answers on the socket), `io` (a file could not be made).
    public func run() async throws {
        try await run(onListening: {})
    }

    /// Throws what ``run()`` would refuse to start for because of the directories that hold the
    /// socket and the cookie (`insecure-permissions`, `io`), without creating anything: a daemon
    /// calls it before it opens anything else (its peer port), so a home it must refuse is
    /// refused before the node is reachable.
    public func checkDirectories() throws {
        try AdminSocketGuard.checkDirectory(holding: socketPath)
        if AdminSocketGuard.directoryPath(of: cookiePath) != AdminSocketGuard.directoryPath(of: socketPath) {
            try AdminSocketGuard.checkDirectory(holding: cookiePath)
        }
    }

    /// ``run()``, calling `onListening` once the socket accepts connections and the cookie is
    /// written (to report readiness, e.g. to systemd, or in tests).
    public func run(onListening: () -> Void) async throws {
        try checkDirectories()
        // Before the cookie is written: a second daemon must not replace the first one's cookie.
        try await AdminSocketGuard.clearStaleSocket(at: socketPath, logger: logger)

        let cookie = AdminCookie.generate()
        let cookieFile = try cookie.write(to: cookiePath)
        var socketFile: FileIdentity?
        defer {
            socketFile?.removeIfUnchanged(socketPath)
            cookieFile.removeIfUnchanged(cookiePath)
        }

        let listener: NIOAsyncChannel<NIOAsyncChannel<AdminLine, Never>, Never>
        do {
            listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 64)
                // A client may send its requests and shut down its side (`printf … | socat`);
                // it must still get the answers.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(AdminLineDecoder(maximumLength: AdminLineCodec.maximumRequestLength))
                        )
                        return try NIOAsyncChannel<AdminLine, Never>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            // Another daemon bound between our check and our bind.
            throw AdminError(.alreadyRunning, "a vouch daemon is already running on \(socketPath)")
        } catch let error as SocketAddressError {
            throw AdminSocketGuard.connectError(error, socketPath: socketPath)
        } catch {
            throw AdminError(.io, "cannot listen on \(socketPath): \(error)")
        }
        socketFile = FileIdentity.of(socketPath)
        guard chmod(socketPath, 0o600) == 0 else {
            let code = errno
            try? await listener.channel.close()
            throw AdminError(.io, "cannot set the mode of \(socketPath): \(errnoDescription(code))")
        }

        logger.info("admin API listening", metadata: ["socket": "\(socketPath)"])
        onListening()
        let context = AdminConnection.Context(cookie: cookie, handler: handler, events: events, logger: logger,
                                              authenticationTimeout: authenticationTimeout)
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await AdminConnection(channel: connection, context: context).serve() }
                    }
                }
            }
        } catch is CancellationError {
            // The way a service is asked to stop.
        } catch where Task.isCancelled {
            // Errors raised while stopping (a channel closed under a read) are part of stopping.
        }
        logger.info("admin API stopped", metadata: ["socket": "\(socketPath)"])
    }
}
