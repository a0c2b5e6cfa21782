import Foundation
import Testing
import VouchCrypto
import VouchProtocol
import VouchTestKit

/// A peer that completes the handshake and then sends what no honest node would, against a real
/// `vouch run`: the node answers with an error, keeps the session, and keeps serving others.
/// `openssl s_client` is the peer, so the bytes cross a real TLS stack that is not ours.
@Suite("daemon: a hostile peer cannot crash the node")
struct HostilePeerTests {
    /// A running node `b`, a node `a` to check it still serves, and `openssl s_client` speaking
    /// raw frames to `b` as an authenticated peer.
    struct Scene {
        let net: TestNet
        let a: Node, b: Node
        let daemon: Daemon
        let nodeID: NodeID
        let openssl: URL
        let cert: String, key: String

        static func make(_ net: TestNet) async throws -> Scene {
            let openssl = try #require(OpenSSLInteropTests.openssl, "openssl is not installed; this test needs it")
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            _ = try await net.start(a)
            let daemon = try await net.start(b)
            let publicKey = try #require(try await net.vouchJSON(["id"], on: b)["public_key"] as? String)
            let nodeID = NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: try #require(Hex.decode(publicKey))))
            // The TLS identity of the peer: any Ed25519 key.
            let cert = net.root.appendingPathComponent("peer.crt").path, key = net.root.appendingPathComponent("peer.key").path
            let made = try await ChildProcess.run(openssl, ["req", "-x509", "-newkey", "ed25519", "-keyout", key, "-out", cert,
                                                            "-nodes", "-subj", "/CN=peer", "-days", "1"],
                                                  environment: net.environment, directory: net.root)
            #expect(made.succeeded, "\(made)")
            return Scene(net: net, a: a, b: b, daemon: daemon, nodeID: nodeID, openssl: openssl, cert: cert, key: key)
        }

        func message(_ type: String, body: CBORValue = .map([:])) -> WireMessage {
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            return WireMessage(id: .random(), rawType: type, replyTo: nil, sentAt: now, expiresAt: now + 60_000,
                               recipient: nodeID.rawRepresentation, body: body)
        }

        /// Sends `messages` and a final ping on one session; returns every reply once the ping's pong is in.
        func exchange(_ messages: [WireMessage]) async throws -> [WireMessage] {
            let ping = message("ping")
            let client = try net.spawn(openssl, ["s_client", "-quiet", "-nocommands", "-tls1_3", "-alpn", "vouch/1",
                                                 "-cert", cert, "-key", key, "-connect", "127.0.0.1:\(b.port)"],
                                       keepStdinOpen: true)
            defer { client.kill9() }
            client.write(stdin: Data((messages + [ping]).flatMap { WireFrame.encode($0.encoded) }))
            var replies: [WireMessage] = []
            try await eventually("the pong after \(messages.count) messages", timeout: .seconds(30), interval: .milliseconds(100)) {
                replies = HostilePeerTests.messages(in: (try? Data(contentsOf: client.stdoutURL)) ?? Data())
                return replies.contains { $0.replyTo == ping.id && $0.knownType == .pong }
            }
            #expect(client.isRunning, "the node kept the session open")
            return replies
        }

        /// The node is alive and serves another peer.
        func expectServing() async throws {
            let answered = try await net.vouchJSON(["ping", b.address], on: a)
            #expect(answered["peer"] as? String == b.id, "\(describe(answered))")
        }
    }

    @Test("validly signed cards with versions 2^63 and 2^64 - 1 are refused with invalid-body; the node keeps serving")
    func outOfRangeCardVersions() async throws {
        try await TestNet.run { net in
            let scene = try await Scene.make(net)
            let signer = try Ed25519PrivateKey()
            let cards = try [UInt64(1) << 63, .max].map { version in
                let document = ProfileDocument(version: version, updatedAt: 1_700_000_000, audience: .everyone,
                                               fields: [.name: "Mallory"], links: [], endpoints: [])
                return scene.message("card", body: .map(["document": .bytes(try document.signed(with: signer).encoded)]))
            }
            let replies = try await scene.exchange(cards)
            for sent in cards {
                let reply = try #require(replies.first { $0.replyTo == sent.id }, "no reply to a card: \(replies)")
                #expect(reply.knownType == .error)
                let body = try WireErrorBody(reply.body)
                #expect(body.code == .invalidBody)
                #expect(body.message.hasPrefix("out-of-range"), "\(body.message)")
            }
            #expect(try await net.cards(scene.b).isEmpty, "nothing was stored")
            try await scene.expectServing()
        }
    }

    @Test("a message type and an error text with newlines and escape sequences cannot forge a log line")
    func logInjection() async throws {
        try await TestNet.run { net in
            let scene = try await Scene.make(net)
            let forged = "\n2030-01-01T00:00:00Z critical vouch: FORGED node compromised\u{1B}[2K\r"
            let replies = try await scene.exchange([
                scene.message("gossip" + forged),
                scene.message("error", body: WireErrorBody(code: .busy, message: "later" + forged).value),
            ])
            #expect(replies.contains { (try? WireErrorBody($0.body))?.code == .unknownType })
            try await scene.expectServing()
            let log = scene.daemon.stderr
            #expect(log.contains("FORGED"), "the node logged the peer's text: \(log)")
            for line in log.split(separator: "\n") where line.contains("FORGED") {
                #expect(!line.hasPrefix("2030-01-01"), "a peer forged a log line: \(line)")
                #expect(line.contains("\\n2030-01-01"), "the newline is shown as an escape: \(line)")
                #expect(!line.contains("\u{1B}") && !line.contains("\r"), "control characters reach the log: \(line)")
            }
        }
    }

    /// The complete frames at the start of `data`, decoded (a partial last frame is left out).
    static func messages(in data: Data) -> [WireMessage] {
        var bytes = [UInt8](data)[...]
        var out: [WireMessage] = []
        while bytes.count >= 4 {
            let length = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            guard bytes.count >= 4 + length, let message = try? WireMessage(decoding: Array(bytes.dropFirst(4).prefix(length))) else { break }
            out.append(message)
            bytes = bytes.dropFirst(4 + length)
        }
        return out
    }
}
