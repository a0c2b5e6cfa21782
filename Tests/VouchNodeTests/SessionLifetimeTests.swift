import NIOCore
import NIOPosix
import Testing
@testable import VouchNode
import VouchTLS
import VouchProtocol
import VouchTestKit

/// A closed session must leave nothing behind: anyone can open sessions from fresh identities
/// for free, so whatever one keeps after it closes is memory a peer can take without bound
/// (issue 10: 4–25 KB per session, +67 MB over 11,600 sessions).
///
/// The node's view of a session, `PeerSession`, holds the channel; once the session is closed and
/// removed from the registry, nothing may keep that channel (nor its pipeline's handlers) alive.
@Suite("Session lifetime")
struct SessionLifetimeTests {
    /// Weak references to what the node held for a session, taken while it was open.
    private final class Leftovers: @unchecked Sendable {
        weak var channel: (any Channel)?
        weak var handler: PeerSessionHandler?
        var pipelineConfigured = false
    }

    @Test func anInboundSessionIsFreedOnceItCloses() async throws {
        try await withNode { node in
            let leftovers = Leftovers()
            let client = try await RawClient.handshaken(with: node)
            try await eventually("the node registers the client's session") { node.openSession(with: client.id) != nil }
            leftovers.channel = node.openSession(with: client.id)?.channel
            #expect(leftovers.channel != nil)
            await client.shutdown()
            try await eventually("the session is gone from the registry") { node.runtime.sessions.count == 0 }
            try await eventually("nothing keeps the closed session's channel alive") { leftovers.channel == nil }
        }
    }

    @Test func anOutboundSessionIsFreedOnceItCloses() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let leftovers = Leftovers()
            try await Self.openAndClose(from: a, to: b, into: leftovers)
            try await eventually("both sides drop the session") { a.runtime.sessions.count == 0 && b.runtime.sessions.count == 0 }
            try await eventually("nothing keeps the closed session's channel alive") { leftovers.channel == nil }
        }
    }

    /// A dial that never connects (nothing listens) never makes its channel active, so no
    /// `channelInactive` comes: the pipeline's removal must be enough to free the session handler.
    /// The outbox dials an unreachable peer again and again, so this leak grows with time.
    @Test func aDialThatFailsToConnectFreesItsPipeline() async throws {
        try await withNode { node in
            let leftovers = Leftovers()
            let port = try await freeLoopbackPort(group: node.group)  // free, so the connect is refused
            let runtime = node.runtime
            do {
                _ = try await ClientBootstrap(group: node.group)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            _ = try runtime.configurePipeline(channel, role: .client(expectedPeerKey: runtime.identity.publicKey),
                                                              direction: .outbound, remoteAddress: "127.0.0.1:\(port)")
                            leftovers.channel = channel
                            leftovers.pipelineConfigured = true
                            leftovers.handler = try channel.pipeline.syncOperations.handler(type: PeerSessionHandler.self)
                        }
                    }
                    .connect(host: "127.0.0.1", port: Int(port)).get()
                Issue.record("a connect to a port nobody listens on succeeded")
            } catch {}
            #expect(leftovers.pipelineConfigured, "the pipeline was set up before the connect failed")
            try await eventually("nothing keeps the failed dial's session handler alive") { leftovers.handler == nil }
            try await eventually("nor its channel") { leftovers.channel == nil }
        }
    }

    /// In a function of its own so that no local of the caller holds the session.
    private static func openAndClose(from a: TestNode, to b: TestNode, into leftovers: Leftovers) async throws {
        let session = try await a.runtime.connect(to: b.address)
        let reply = try await session.request(a.runtime.makeMessage(type: .ping, to: b.id), timeout: .seconds(5))
        #expect(reply.knownType == .pong)
        leftovers.channel = session.channel
        try await session.channel.close()
    }
}
