import Foundation
import Testing
import VouchTestKit

/// A real `vouch run` against peers that do not play by the rules at the TLS layer
/// (issue 10): they are refused, and honest peers are still served.
@Suite("daemon: the listener against hostile TLS peers", .serialized)
struct ListenerDefenceTests {
    /// An Ed25519 client certificate made by openssl, and openssl itself.
    static func sClientIdentity(_ net: TestNet) async throws -> (openssl: URL, cert: String, key: String) {
        let openssl = try #require(OpenSSLInteropTests.openssl, "openssl is not installed; this test needs it")
        let cert = net.root.appendingPathComponent("client.crt").path, key = net.root.appendingPathComponent("client.key").path
        let made = try await ChildProcess.run(openssl, ["req", "-x509", "-newkey", "ed25519", "-keyout", key, "-out", cert, "-nodes",
                                                        "-subj", "/CN=client", "-days", "1"],
                                              environment: net.environment, directory: net.root)
        guard made.succeeded else { throw TestFailure("openssl req failed: \(made)") }
        return (openssl, cert, key)
    }

    /// Runs `openssl s_client` with `arguments` against `node` to its end (the node closes).
    static func sClient(_ net: TestNet, _ node: Node, _ arguments: [String]) async throws -> ProcessResult {
        let (openssl, cert, key) = try await sClientIdentity(net)
        let child = try net.spawn(openssl, ["s_client", "-tls1_3", "-cert", cert, "-key", key,
                                            "-connect", "127.0.0.1:\(node.port)", "-ign_eof"] + arguments, keepStdinOpen: true)
        child.write(stdin: Data("hello\n".utf8))
        guard let result = await child.waitForExit(timeout: .seconds(20)) else {
            child.kill9()
            throw TestFailure("openssl s_client did not end within 20 s\n  stdout: \(child.stdout)\n  stderr: \(child.stderr)")
        }
        return result
    }

    /// The node requires ALPN `vouch/1`; the context that tolerates its absence exists only for
    /// `vouch-bench` and a node refuses to run with it.
    @Test("a ClientHello without ALPN is refused with no_application_protocol; the node keeps serving")
    func noALPN() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            _ = try await net.start(a)
            _ = try await net.start(b)

            let refused = try await Self.sClient(net, b, [])
            let output = refused.stdout + refused.stderr
            #expect(output.contains("alert no application protocol"), "\(refused)")
            #expect(!output.contains("hello"), "nothing was exchanged: \(refused)")

            // The same client with ALPN is served: what was missing was ALPN, nothing else.
            let accepted = try await Self.sClient(net, b, ["-alpn", "vouch/1"])
            #expect((accepted.stdout + accepted.stderr).contains("ALPN protocol: vouch/1"), "\(accepted)")

            let ping = try await net.vouchJSON(["ping", b.address], on: a)
            #expect(ping["peer"] as? String == b.id, "\(describe(ping))")
        }
    }

    /// FFDHE costs a server tens of times the CPU of X25519: a ClientHello offering only
    /// finite-field groups is refused before any key exchange.
    @Test("a ClientHello offering only ffdhe8192 is refused with handshake_failure")
    func ffdhe() async throws {
        try await TestNet.run { net in
            let b = try await net.makeNode("b")
            _ = try await net.start(b)
            let refused = try await Self.sClient(net, b, ["-alpn", "vouch/1", "-groups", "ffdhe8192"])
            #expect((refused.stdout + refused.stderr).contains("alert handshake failure"), "\(refused)")
        }
    }
}
