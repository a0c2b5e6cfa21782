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
    @Test("validly signed cards with versions 2^63 and 2^64 - 1 are refused with invalid-body; the node keeps serving")
    func outOfRangeCardVersions() async throws {
        let openssl = try #require(OpenSSLInteropTests.openssl, "openssl is not installed; this test needs it")
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            _ = try await net.start(a)
            _ = try await net.start(b)
            let publicKey = try #require(try await net.vouchJSON(["id"], on: b)["public_key"] as? String)
            let node = NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: try #require(Hex.decode(publicKey))))

            // The TLS identity of the peer (any Ed25519 key) and the signer of its cards.
            let cert = net.root.appendingPathComponent("peer.crt").path, key = net.root.appendingPathComponent("peer.key").path
            let made = try await ChildProcess.run(openssl, ["req", "-x509", "-newkey", "ed25519", "-keyout", key, "-out", cert,
                                                            "-nodes", "-subj", "/CN=peer", "-days", "1"],
                                                  environment: net.environment, directory: net.root)
            #expect(made.succeeded, "\(made)")
            let signer = try Ed25519PrivateKey()

            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            func card(version: UInt64) throws -> WireMessage {
                let document = ProfileDocument(version: version, updatedAt: now / 1000, audience: .everyone,
                                               fields: [.name: "Mallory"], links: [], endpoints: [])
                return WireMessage(type: .card, sentAt: now, expiresAt: now + 60_000, recipient: node,
                                   body: .map(["document": .bytes(try document.signed(with: signer).encoded)]))
            }
            let cards = [try card(version: 1 << 63), try card(version: .max)]
            let ping = WireMessage(type: .ping, sentAt: now, expiresAt: now + 60_000, recipient: node)

            let client = try net.spawn(openssl, ["s_client", "-quiet", "-nocommands", "-tls1_3", "-alpn", "vouch/1",
                                                 "-cert", cert, "-key", key, "-connect", "127.0.0.1:\(b.port)"],
                                       keepStdinOpen: true)
            client.write(stdin: Data((cards + [ping]).flatMap { WireFrame.encode($0.encoded) }))

            var replies: [WireMessage] = []
            try await eventually("replies to both cards and the ping", timeout: .seconds(30), interval: .milliseconds(100)) {
                replies = Self.messages(in: (try? Data(contentsOf: client.stdoutURL)) ?? Data())
                return replies.count >= 3
            }
            for sent in cards {
                let reply = try #require(replies.first { $0.replyTo == sent.id }, "no reply to a card: \(replies)")
                #expect(reply.knownType == .error)
                let body = try WireErrorBody(reply.body)
                #expect(body.code == .invalidBody)
                #expect(body.message.contains("out-of-range") || body.message.contains("outside"), "\(body.message)")
            }
            #expect(replies.first { $0.replyTo == ping.id }?.knownType == .pong, "the session still answers after the refusals")
            #expect(client.isRunning, "the node kept the session open")
            client.closeStdin()
            client.kill9()

            // The process is alive, stored nothing, and serves another peer.
            #expect(try await net.cards(b).isEmpty)
            let answered = try await net.vouchJSON(["ping", b.address], on: a)
            #expect(answered["peer"] as? String == b.id, "\(describe(answered))")
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
