import Logging
import NIOCore
public import ServiceLifecycle
public import VouchAdmin
public import VouchStore
import VouchProtocol
import Foundation

/// The daemon as a swift-service-lifecycle `Service`: the peer listener, the admin API and the
/// outbox worker, until a graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`). On
/// shutdown the listener stops accepting, the admin socket and cookie are removed, and every
/// session is closed with close_notify. Nothing acknowledged is in memory only: the outbox and
/// received messages are in the database before any ack.
public struct NodeService: Service {
    let runtime: NodeRuntime
    let events: AdminEventBus
    let home: NodeHome
    let onReady: @Sendable (String) -> Void

    public init(runtime: NodeRuntime, events: AdminEventBus, home: NodeHome, onReady: @escaping @Sendable (String) -> Void = { _ in }) {
        self.runtime = runtime
        self.events = events
        self.home = home
        self.onReady = onReady
    }

    public func run() async throws {
        let runtime = self.runtime
        let admin = AdminServer(socketPath: home.adminSocket.path, cookiePath: home.adminCookie.path, events: events,
                                logger: runtime.logger, handler: runtime.adminRouter().handler)
        // The home is checked before the peer port is bound: a node that must refuse to start
        // is never reachable, not even for a moment.
        try admin.checkDirectories()
        // No listener at all with "listen": "none": the node is reached through its relays only.
        let listener = runtime.config.listen == nil ? nil : try await runtime.bindListener()
        let bound = listener.map { channel in
            channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? runtime.config.listen?.description ?? "none"
        } ?? "none"
        try await runtime.relays.update(runtime.config.relays, runtime: runtime)
        let onReady = self.onReady
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await admin.run(onListening: {
                        runtime.logger.info("node ready", metadata: ["id": .string(runtime.identity.description), "listen": .string(bound)])
                        onReady(bound)
                    })
                }
                group.addTask { await OutboxWorker(runtime: runtime).run() }
                group.addTask { await ConnectionTimer(runtime: runtime).run() }
                group.addTask { await HeapTrimmer().run() }
                group.addTask { try await gracefulShutdown() }
                group.addTask {
                    await runtime.stopSignal.wait()
                    runtime.logger.notice("stop requested through the admin API")
                }
                // The first task to end (shutdown requested, or the admin server failing to start) ends the node.
                defer { group.cancelAll() }
                try await group.next()
                // Close sessions before cancelling, so a delivery waiting for its ack fails now
                // (and stays queued) instead of holding the shutdown for a request timeout.
                await Self.closeNetwork(runtime, listener)
            }
        } catch is CancellationError {
            // Cancelled by the service group: a normal stop.
        } catch {
            await Self.closeNetwork(runtime, listener)
            throw error
        }
        await Self.closeNetwork(runtime, listener)
    }

    /// Stops accepting and closes every session with close_notify. Safe to call more than once.
    private static func closeNetwork(_ runtime: NodeRuntime, _ listener: (any Channel)?) async {
        if let listener, listener.isActive {
            runtime.logger.info("shutting down")
            try? await listener.close()
        }
        await runtime.relays.stop()
        runtime.dials.closeAll()
        let sessions = runtime.sessions.all
        for session in sessions { session.close() }
        for session in sessions { try? await session.channel.closeFuture.get() }
    }
}
