import Foundation
import NIOCore
import Testing
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchTestKit
@testable import VouchNode
import VouchStore
import VouchTLS

/// Nodes that accept no connections, reached through a real strelaysrv on loopback
/// (Protocol/relay.md): the joined node's sessions are ordinary vouch/1 sessions, pinned end to
/// end; the relay can refuse service but not pose as a node.
@Suite("Relays", .serialized)
struct RelayTests {
    static func relayURI(_ relay: Strelaysrv) throws -> RelayURI { try RelayURI(parsing: relay.uri) }

    static func waitJoined(_ joins: RelayJoins, _ what: String = "the node to join the relay") async throws {
        try await eventually(what, timeout: .seconds(30)) { seen in
            seen = "\(joins.states)"
            return joins.states.allSatisfy(\.joined) ? true : nil
        }
    }

    @Test("a node without a listener is reached through the relay; the session is vouch/1 with the pin, both ways")
    func pingThroughRelay() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await withNodes(2, listening: false) { nodes in
            let (hidden, dialer) = (nodes[0], nodes[1])
            let joins = try hidden.runtime.joinRelays([try Self.relayURI(relay)])
            defer { Task { await joins.stop() } }
            try await Self.waitJoined(joins)
            let endpoint = try #require(joins.states.first?.endpoint)
            #expect(endpoint.relay?.device == (try hidden.runtime.relayCertificate.deviceID))

            let session = try await dialer.runtime.connect(to: NodeAddress(id: hidden.id, endpoint: endpoint))
            #expect(session.peer == hidden.id)
            #expect(session.tls.applicationProtocol == "vouch/1")
            let reply = try await session.request(dialer.runtime.makeMessage(type: .ping, to: hidden.id), timeout: .seconds(5))
            #expect(reply.knownType == .pong)

            let inbound = try await eventually("the hidden node's inbound session") { _ in hidden.openSession(with: dialer.id) }
            #expect(inbound.direction == .inbound)
            let back = try await inbound.request(hidden.runtime.makeMessage(type: .ping, to: dialer.id), timeout: .seconds(5))
            #expect(back.knownType == .pong)
        }
    }

    @Test("a relay that splices the dialer to another node: the pin refuses it, no session")
    func wrongNodeRefused() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await withNodes(2, listening: false) { nodes in
            let (hidden, dialer) = (nodes[0], nodes[1])
            let joins = try hidden.runtime.joinRelays([try Self.relayURI(relay)])
            defer { Task { await joins.stop() } }
            try await Self.waitJoined(joins)
            let endpoint = try #require(joins.states.first?.endpoint)
            // The address names another node, but its relay endpoint leads to `hidden`.
            let impostor = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
            await #expect { try await dialer.runtime.connect(to: NodeAddress(id: impostor, endpoint: endpoint)) } throws: { error in
                (error as? TLSError)?.code == .peerKeyMismatch
            }
            #expect(dialer.openSession(with: hidden.id) == nil)
        }
    }

    @Test("a device not at the relay: the dial fails, saying so")
    func notAtRelay() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await withNodes(1, listening: false) { nodes in
            let uri = try Self.relayURI(relay)
            let absent = try RelayCertificate(key: try Ed25519PrivateKey())
            let address = NodeAddress(id: NodeID(publicKey: try Ed25519PrivateKey().publicKey), endpoint: uri.endpoint(for: absent.deviceID))
            await #expect { try await nodes[0].runtime.connect(to: address) } throws: { error in
                "\(error)".contains("not at this relay")
            }
        }
    }

    @Test("a relay whose certificate does not match its URI is never joined")
    func wrongRelayCertificate() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await withNodes(1, listening: false) { nodes in
            let real = try Self.relayURI(relay)
            let other = try RelayCertificate(key: try Ed25519PrivateKey()).deviceID
            let joins = try nodes[0].runtime.joinRelays([RelayURI(endpoint: real.endpoint, id: other)])
            defer { Task { await joins.stop() } }
            let state = try await eventually("a failed join") { _ in joins.states.first.flatMap { $0.failures > 0 ? $0 : nil } }
            #expect(!state.joined)
            #expect(state.lastError?.contains("not the one its URI names") == true)
        }
    }

    @Test("a relay that sends an invitation nobody asked for, then garbage: the session fails, the join survives; garbage ends it")
    func hostileRelay() async throws {
        // A fake relay: openssl s_server with ALPN bep-relay and a certificate whose digest the URI names.
        let directory = try TemporaryDirectory(prefix: "vouch-fake-relay")
        let relayKey = try Ed25519PrivateKey()
        let certificate = try SelfSignedCertificate(key: relayKey, commonName: "fake relay")
        try certificate.pem.write(toFile: directory.path("cert.pem"), atomically: true, encoding: .utf8)
        try relayKey.pkcs8PEM().write(toFile: directory.path("key.pem"), atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let server = try ChildProcess(executable: try ChildProcess.find("openssl"),
                                      arguments: ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", directory.path("cert.pem"),
                                                  "-key", directory.path("key.pem"), "-tls1_3", "-alpn", "bep-relay", "-quiet", "-naccept", "1"],
                                      keepStdinOpen: true)
        defer { server.signal(SIGTERM) }
        let uri = RelayURI(endpoint: try Endpoint(host: "127.0.0.1", port: port), id: RelayDeviceID(certificateDER: certificate.der))
        try await withNodes(1, listening: false) { nodes in
            let joins = try nodes[0].runtime.joinRelays([uri])
            defer { Task { await joins.stop() } }
            // The node's JoinRelayRequest arrives; the fake relay accepts it.
            try await eventually("the node's join request at the fake relay") { seen in
                let bytes = Array((try? Data(contentsOf: server.stdoutURL)) ?? Data())
                seen = Hex.encode(bytes)
                return bytes == (try RelayMessage.joinRelayRequest.encoded()) ? true : nil
            }
            server.write(stdin: Data(try RelayMessage.response(RelayResponse(code: 0, message: "success")).encoded()))
            try await Self.waitJoined(joins)

            // An invitation for a session nobody asked for, at a port where nothing listens: that
            // session fails; the join stays.
            let nowhere = try freeLoopbackPort()
            let invitation = RelaySessionInvitation(from: Array(repeating: 1, count: 32), key: Array(repeating: 2, count: 32),
                                                    address: [], port: nowhere, serverSocket: true)
            server.write(stdin: Data(try RelayMessage.sessionInvitation(invitation).encoded()))
            try await eventually("the failed relayed session to be logged") { _ in
                nodes[0].recorder.logged("a relayed session did not open") ? true : nil
            }
            #expect(joins.states.first?.joined == true)
            #expect(nodes[0].runtime.sessions.all.isEmpty)

            // Garbage: the node ends the relay session and says why.
            server.write(stdin: Data("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
            let state = try await eventually("the join to end") { _ in joins.states.first.flatMap { $0.joined ? nil : $0 } }
            #expect(state.lastError?.contains("not a relay message") == true, "\(state)")
        }
    }

    @Test("a dialer whose relay session the other party never joins asks the relay again, as RelayDialRetry says, then gives up")
    func dialerAsksAgainWhenPeerNeverJoins() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        let uri = try Self.relayURI(relay)
        // A party joined to the relay (openssl s_client with a relay certificate) that never joins
        // the sessions it is invited to: what a dialer sees when strelaysrv refused the invited
        // node's join (Protocol/relay.md §4).
        let directory = try TemporaryDirectory(prefix: "vouch-silent-party")
        let key = try Ed25519PrivateKey()
        let certificate = try RelayCertificate(key: key)
        try key.pkcs8PEM().write(toFile: directory.path("party.key"), atomically: true, encoding: .utf8)
        try SelfSignedCertificate(der: certificate.der).pem.write(toFile: directory.path("party.pem"), atomically: true, encoding: .utf8)
        let party = try ChildProcess(executable: try ChildProcess.find("openssl"),
                                     arguments: ["s_client", "-connect", "127.0.0.1:\(uri.endpoint.port)", "-tls1_3", "-alpn", "bep-relay",
                                                 "-cert", directory.path("party.pem"), "-key", directory.path("party.key"), "-quiet", "-no_ign_eof"],
                                     keepStdinOpen: true)
        defer {
            party.closeStdin()
            party.signal(SIGTERM)
        }
        let received: @Sendable () throws -> [RelayMessage] = {
            var reader = RelayMessageReader()
            return try reader.append(Array((try? Data(contentsOf: party.stdoutURL)) ?? Data()))
        }
        party.write(stdin: Data(try RelayMessage.joinRelayRequest.encoded()))
        try await eventually("the silent party to join the relay") { seen in
            seen = party.stderr
            return try received().first == .response(RelayResponse(code: RelayResponse.success, message: "success")) ? true : nil
        }

        var limits = TransportLimits.testing
        limits.handshakeTimeout = .seconds(3)
        try await withNodes(1, limits: limits, listening: false) { nodes in
            let dialer = nodes[0].runtime
            let address = NodeAddress(id: NodeID(publicKey: key.publicKey), endpoint: uri.endpoint(for: certificate.deviceID))
            await #expect { try await dialer.connect(to: address) } throws: { error in
                "\(error)".contains("the other party did not join the relay session")
            }
            // Each attempt was a new ConnectRequest, so a new invitation for the party.
            #expect(dialer.relayDialRetryCount >= 2)
            let attempts = dialer.relayDialRetryCount + 1
            try await eventually("one invitation per attempt at the party") { seen in
                let invitations = try received().filter { if case .sessionInvitation = $0 { true } else { false } }
                seen = "\(invitations.count) invitations, \(attempts) attempts"
                return invitations.count == attempts ? true : nil
            }
        }
    }

    @Test("a dialer that asks again with the same certificate makes the invited node abandon the session it was opening for it")
    func invitedNodeAbandonsSupersededSession() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        let uri = try Self.relayURI(relay)
        let directory = try TemporaryDirectory(prefix: "vouch-asking-again")
        // The dialer: openssl s_client with one throwaway certificate, one ConnectRequest each.
        let key = try Ed25519PrivateKey()
        try key.pkcs8PEM().write(toFile: directory.path("dialer.key"), atomically: true, encoding: .utf8)
        try SelfSignedCertificate(der: try RelayCertificate(key: key).der).pem.write(toFile: directory.path("dialer.pem"), atomically: true, encoding: .utf8)
        func askForSession(_ device: RelayDeviceID) async throws -> RelaySessionInvitation {
            let client = try ChildProcess(executable: try ChildProcess.find("openssl"),
                                          arguments: ["s_client", "-connect", "127.0.0.1:\(uri.endpoint.port)", "-tls1_3", "-alpn", "bep-relay",
                                                      "-cert", directory.path("dialer.pem"), "-key", directory.path("dialer.key"), "-quiet"],
                                          keepStdinOpen: true)
            defer {
                client.closeStdin()
                client.signal(SIGTERM)
            }
            client.write(stdin: Data(try RelayMessage.connectRequest(device: device.bytes).encoded()))
            return try await eventually("an invitation for the dialer") { seen in
                var reader = RelayMessageReader()
                let messages = try reader.append(Array((try? Data(contentsOf: client.stdoutURL)) ?? Data()))
                seen = "\(messages) \(client.stderr)"
                guard case .sessionInvitation(let invitation) = messages.first else { return nil }
                return invitation
            }
        }
        try await withNodes(1, listening: false) { nodes in
            let hidden = nodes[0]
            let joins = try hidden.runtime.joinRelays([uri])
            defer { Task { await joins.stop() } }
            try await Self.waitJoined(joins)
            let device = try hidden.runtime.relayCertificate.deviceID

            // The first session: the hidden node opens its side and waits for the dialer, which
            // never joins (as when strelaysrv refused the dialer's join).
            _ = try await askForSession(device)
            #expect(!hidden.recorder.logged("a relayed session did not open"))
            // The dialer asks again with the same certificate: the first session will never start,
            // and the node gives it up now rather than at its handshake timeout (30 s here).
            _ = try await askForSession(device)
            try await eventually("the first session to be abandoned", timeout: .seconds(10)) { _ in
                hidden.recorder.logged("a relayed session did not open") ? true : nil
            }
            #expect(joins.states.first?.joined == true)
        }
    }

    @Test("a peer whose direct endpoint does not answer is reached at its relay endpoint after it: the outbox delivers, and says which")
    func directFirstThenRelay() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await withNodes(2, listening: false, profileName: "Ada Lovelace") { nodes in
            let (hidden, sender) = (nodes[0], nodes[1])
            let joins = try hidden.runtime.joinRelays([try Self.relayURI(relay)])
            defer { Task { await joins.stop() } }
            try await Self.waitJoined(joins)
            let relayEndpoint = try #require(joins.states.first?.endpoint)
            // The hidden node's card lists a direct endpoint where nothing listens, then its relay.
            let nowhere = try Endpoint(host: "127.0.0.1", port: try freeLoopbackPort())
            let now = Wire.now()
            try await sender.database.invitationTransaction { try $0.learnPeer(hidden.id, cardEndpoints: [relayEndpoint, nowhere], now: now) }
            let known = try #require(try sender.database.peer(hidden.id))
            #expect(known.endpoints == [nowhere, relayEndpoint], "direct first, relays after")

            let document = try sender.database.profile().document(for: .everyone).signed(with: sender.key)
            try sender.database.enqueue(OutboxEntry(messageID: .random(), peer: hidden.id, delivery: .card(CardBody(document: document.encoded)),
                                                    sentAt: now, expiresAt: now + 600_000, nextAttemptAt: now))
            sender.startOutbox()
            try await eventually("the card is delivered through the relay", timeout: .seconds(30)) {
                !sender.recorder.events("outbox.delivered").isEmpty
            }
            #expect(sender.recorder.events("outbox.delivered").first?["attempts"]?.intValue == 1, "one attempt: both endpoints in it")
            #expect(try hidden.database.receivedCards().count == 1)
            #expect(sender.recorder.logged("reached a peer at a later endpoint"))

            for session in sender.runtime.sessions.all { session.close() }
            try await eventually("the session to close") { _ in sender.openSession(with: hidden.id) == nil ? true : nil }
            let (_, used) = try await sender.runtime.connect(to: hidden.id, endpoints: known.endpoints)
            #expect(used == relayEndpoint)
        }
    }

    @Test("a peer reachable both ways is dialed at its direct endpoint, though its relay endpoint was learned first")
    func directUsedWhenItWorks() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await withNodes(2) { nodes in
            let (target, dialer) = (nodes[0], nodes[1])
            let joins = try target.runtime.joinRelays([try Self.relayURI(relay)])
            defer { Task { await joins.stop() } }
            try await Self.waitJoined(joins)
            let relayEndpoint = try #require(joins.states.first?.endpoint)
            try dialer.database.rememberPeer(NodeAddress(id: target.id, endpoint: relayEndpoint), nowMilliseconds: Wire.now())
            try await dialer.database.invitationTransaction { try $0.learnPeer(target.id, cardEndpoints: [target.address.endpoint], now: Wire.now()) }
            let known = try #require(try dialer.database.peer(target.id))
            #expect(known.endpoint == relayEndpoint)
            #expect(known.endpoints == [target.address.endpoint, relayEndpoint])
            let (session, used) = try await dialer.runtime.connect(to: target.id, endpoints: known.endpoints)
            #expect(used == target.address.endpoint)
            #expect(session.peer == target.id)
            #expect(!dialer.recorder.logged("reached a peer at a later endpoint"))
        }
    }

    @Test("a relay down at start, then up: the node joins; the relay restarted: the node rejoins and is reachable again")
    func relayDownThenRestarted() async throws {
        let port = try freeLoopbackPort()
        let keys = try TemporaryDirectory(prefix: "vouch-strelaysrv-keys")
        // Learn the relay's ID (its keys persist in `keys`), then stop it: the node starts with the relay down.
        let first = try await Strelaysrv.start(port: port, keys: keys)
        let uri = try Self.relayURI(first)
        first.stop()
        try await withNodes(2, listening: false) { nodes in
            let (hidden, dialer) = (nodes[0], nodes[1])
            let joins = try hidden.runtime.joinRelays([uri])
            defer { Task { await joins.stop() } }
            let down = try await eventually("a failed join while the relay is down") { _ in joins.states.first.flatMap { $0.failures > 0 ? $0 : nil } }
            #expect(down.lastError?.contains("cannot connect") == true)

            let second = try await Strelaysrv.start(port: port, keys: keys)
            try await Self.waitJoined(joins, "the node to join once the relay is up")
            let endpoint = try #require(joins.states.first?.endpoint)
            _ = try await dialer.runtime.connect(to: NodeAddress(id: hidden.id, endpoint: endpoint))
            for session in dialer.runtime.sessions.all { session.close() }
            second.stop()
            try await eventually("the node to notice the relay went away") { _ in joins.states.first?.joined == false ? true : nil }

            let third = try await Strelaysrv.start(port: port, keys: keys)
            defer { third.stop() }
            try await Self.waitJoined(joins, "the node to rejoin the restarted relay")
            try await eventually("the old session to be gone") { _ in dialer.openSession(with: hidden.id) == nil ? true : nil }
            let session = try await dialer.runtime.connect(to: NodeAddress(id: hidden.id, endpoint: endpoint))
            let reply = try await session.request(dialer.runtime.makeMessage(type: .ping, to: hidden.id), timeout: .seconds(5))
            #expect(reply.knownType == .pong)
        }
    }
}
