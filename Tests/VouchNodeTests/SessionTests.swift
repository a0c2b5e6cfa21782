import NIOCore
import VouchAdmin
import VouchStore
import Testing
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchTLS
import VouchTestKit

@Suite("Sessions over loopback")
struct SessionTests {
    @Test func aPingIsAnsweredByAPongNamingIt() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            #expect(client.inbox.handshake?.peerKey == node.key.publicKey)
            #expect(client.inbox.handshake?.applicationProtocol == "vouch/1")
            let ping = Wire.message("ping", to: node.id)
            try await client.send(ping)
            let pong = try await client.reply(to: ping.id)
            #expect(pong.knownType == .pong)
            #expect(pong.replyTo == ping.id)
            #expect(pong.recipient == client.id.rawRepresentation)
            #expect(pong.expiresAt > pong.sentAt)
            #expect(node.openSession(with: client.id)?.direction == .inbound)
            #expect(node.recorder.events("session.opened").count == 1)
            await client.shutdown()
            try await eventually("the node publishes session.closed") { node.recorder.events("session.closed").count == 1 }
            #expect(node.runtime.sessions.count == 0)
        }
    }

    @Test func twoNodesConnectAndPing() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let session = try await a.runtime.connect(to: b.address)
            #expect(session.peer == b.id && session.direction == .outbound)
            let ping = a.runtime.makeMessage(type: .ping, to: b.id)
            let reply = try await session.request(ping, timeout: .seconds(5))
            #expect(reply.knownType == .pong && reply.replyTo == ping.id)
            try await eventually("b registers the inbound session") { b.openSession(with: a.id)?.direction == .inbound }
            let again = try await a.runtime.connect(to: b.address)
            #expect(again.serial == session.serial, "a second connect reuses the live session")
        }
    }

    @Test func dialingTheWrongKeyFailsTheHandshake() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let impostor = NodeAddress(id: NodeID(publicKey: try Ed25519PrivateKey().publicKey), endpoint: b.address.endpoint)
            do {
                _ = try await a.runtime.connect(to: impostor)
                Issue.record("a node that cannot prove the expected key was accepted")
            } catch let error as TLSError {
                #expect(error.code == .peerKeyMismatch)
            }
            #expect(a.runtime.sessions.count == 0)
            try await expectServesAnotherPeer(b)
        }
    }

    /// Both nodes dial each other at once. Whatever order the handshakes finish in, each ends
    /// with one session, and it is the same TCP connection on both sides: the one dialed by the
    /// smaller key. Repeated because the interleaving differs from run to run.
    @Test("simultaneous dials settle on one shared session", arguments: 1...4)
    func simultaneousDial(round: Int) async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            // The loser's connect may fail (refused as a duplicate) or return a session that is
            // then closed; either is fine here. A connect that returned an inbound session did not
            // dial: the other node's connection was already up.
            async let fromA = try? a.runtime.connect(to: b.address)
            async let fromB = try? b.runtime.connect(to: a.address)
            let (sessionA, sessionB) = await (fromA, fromB)
            let bothDialed = sessionA?.direction != .inbound && sessionB?.direction != .inbound

            try await eventually("one session on each side, over the same connection") {
                guard a.runtime.sessions.count == 1, b.runtime.sessions.count == 1,
                      let onA = a.openSession(with: b.id), let onB = b.openSession(with: a.id) else { return false }
                return onA.channel.localAddress == onB.channel.remoteAddress && onA.channel.remoteAddress == onB.channel.localAddress
            }
            let onA = try #require(a.openSession(with: b.id)), onB = try #require(b.openSession(with: a.id))
            #expect(onA.direction != onB.direction)
            if bothDialed {
                let dialer = onA.direction == .outbound ? a.id : b.id
                #expect(dialer == min(a.id, b.id), "when both dialed, the connection dialed by the smaller key stays")
            }

            // It is a working session, and it stays the only one.
            let reply = try await onB.request(b.runtime.makeMessage(type: .ping, to: a.id), timeout: .seconds(5))
            #expect(reply.knownType == .pong)
            #expect(a.openSession(with: b.id)?.serial == onA.serial && b.openSession(with: a.id)?.serial == onB.serial)
        }
    }

    /// keepalive 1 s, idle 2 s: a client that never answers pings is closed; the second node,
    /// which answers, keeps its session while two such clients are closed in turn.
    @Test func idleSessionsCloseAndAnsweringPeersStay() async throws {
        var limits = TransportLimits.testing
        // Three keepalive intervals of slack, so a loaded machine answering a ping late is not idle.
        limits.keepaliveInterval = .seconds(1)
        limits.idleTimeout = .seconds(4)
        try await withNodes(2, limits: limits) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let session = try await b.runtime.connect(to: a.address)
            try await eventually("a registers b's session") { a.openSession(with: b.id) != nil }
            let serialOnA = try #require(a.openSession(with: b.id)).serial

            for round in 1...2 {
                let silent = try await RawClient.handshaken(with: a)
                try await silent.waitUntilClosed("round \(round): a client that never answers goes idle")
                #expect(silent.inbox.messages.contains { $0.knownType == .ping }, "the node pinged before giving up")
                await silent.shutdown()

                #expect(a.openSession(with: b.id)?.serial == serialOnA, "round \(round): the answering peer keeps its session on a")
                #expect(b.openSession(with: a.id)?.serial == session.serial, "round \(round): and on b")
            }
            #expect(!a.recorder.events("session.closed").contains { $0["peer"]?.stringValue == b.id.description })
            #expect(a.recorder.logged("closing an idle session"))
        }
    }

    /// A request the peer never answers fails with a timeout; one pending when the peer goes
    /// away fails as closed. Either way the session table is left consistent.
    @Test func requestsFailWhenThePeerDoesNotAnswerOrLeaves() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            try await eventually("the node registers the client's session") { node.openSession(with: client.id) != nil }
            let session = try #require(node.openSession(with: client.id))

            do {
                _ = try await session.request(node.runtime.makeMessage(type: .ping, to: client.id), timeout: .milliseconds(200))
                Issue.record("a ping nobody answers returned a reply")
            } catch let error as SessionError {
                #expect(error.kind == .timeout)
            }
            #expect(client.inbox.messages.contains { $0.knownType == .ping }, "the ping was sent")

            let ping = node.runtime.makeMessage(type: .ping, to: client.id)
            let pending = Task { try await session.request(ping, timeout: .seconds(30)) }
            try await eventually("the second ping reaches the client") { client.inbox.messages.filter { $0.knownType == .ping }.count == 2 }
            await client.shutdown()
            switch await pending.result {
            case .success(let reply): Issue.record("got \(reply.type) from a peer that left")
            case .failure(let error): #expect((error as? SessionError)?.kind == .closed, "\(error)")
            }
            try await eventually("the session is gone") { node.runtime.sessions.count == 0 }
            do {
                _ = try await session.request(node.runtime.makeMessage(type: .ping, to: client.id), timeout: .seconds(1))
                Issue.record("a request on a closed session returned a reply")
            } catch let error as SessionError {
                #expect(error.kind == .closed)
            }
        }
    }
}
