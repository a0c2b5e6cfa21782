import Foundation
import Testing
import VouchTestKit

/// `openssl s_client` as an independent TLS 1.3 peer against a running node: the node's side of
/// the handshake is checked by a TLS stack that is not ours.
@Suite("daemon: interop with openssl s_client")
struct OpenSSLInteropTests {
    static let openssl: URL? = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"]
        .map { URL(fileURLWithPath: $0) }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    @Test("Ed25519 client certificate: handshake with vouch/1; no certificate, RSA or P-256: refused; the node keeps serving")
    func sClient() async throws {
        // No skipping: a machine without openssl fails this test loudly.
        let openssl = try #require(Self.openssl, "openssl is not installed (looked in /usr/bin, /usr/local/bin, /bin); this test needs it")
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            _ = try await net.start(a)
            _ = try await net.start(b)
            let publicKey = try #require(try await net.vouchJSON(["id"], on: b)["public_key"] as? String)

            func makeCertificate(_ name: String, _ keyOptions: [String]) async throws -> (cert: String, key: String) {
                let cert = net.root.appendingPathComponent("\(name).crt").path, key = net.root.appendingPathComponent("\(name).key").path
                let result = try await ChildProcess.run(openssl, ["req", "-x509", "-newkey"] + keyOptions
                                                           + ["-keyout", key, "-out", cert, "-nodes", "-subj", "/CN=\(name)", "-days", "1"],
                                                       environment: net.environment, directory: net.root)
                guard result.succeeded else { throw TestFailure("openssl req failed: \(result)") }
                return (cert, key)
            }

            /// s_client sends a line once connected (so it reads what the node answers) and keeps
            /// stdin open; -ign_eof makes it run until the node closes the connection.
            func sClient(_ credentials: (cert: String, key: String)?) async throws -> ProcessResult {
                var arguments = ["s_client", "-tls1_3", "-alpn", "vouch/1", "-connect", "127.0.0.1:\(b.port)", "-ign_eof", "-showcerts"]
                if let credentials { arguments += ["-cert", credentials.cert, "-key", credentials.key] }
                let child = try net.spawn(openssl, arguments, keepStdinOpen: true)
                child.write(stdin: Data("hello\n".utf8))
                guard let result = await child.waitForExit(timeout: .seconds(20)) else {
                    child.kill9()
                    throw TestFailure("openssl s_client did not end within 20 s (the node never closed the connection)\n"
                                      + "  stdout: \(child.stdout)\n  stderr: \(child.stderr)")
                }
                child.closeStdin()
                return result
            }

            // Ed25519: the handshake completes, vouch/1 is selected, the node's certificate holds its key.
            let ed25519 = try await makeCertificate("ed25519", ["ed25519"])
            let accepted = try await sClient(ed25519)
            let output = accepted.stdout + accepted.stderr
            #expect(accepted.succeeded, "\(accepted)")
            #expect(output.contains("Protocol  : TLSv1.3") || output.contains("New, TLSv1.3, Cipher is TLS_"), "\(accepted)")
            #expect(output.contains("ALPN protocol: vouch/1"), "\(accepted)")
            #expect(output.contains("subject=CN = \(b.id)") || output.contains("subject=CN=\(b.id)"), "\(accepted)")
            #expect(output.contains("Peer signature type: ed25519") || output.contains("Peer signature type: Ed25519"), "\(accepted)")
            #expect(!output.contains("alert"), "\(accepted)")
            let pem = try #require(Self.firstCertificate(in: accepted.stdout), "no certificate in \(accepted)")
            let certFile = net.root.appendingPathComponent("node.crt")
            try Data(pem.utf8).write(to: certFile)
            let spki = try await ChildProcess.run(openssl, ["x509", "-in", certFile.path, "-noout", "-pubkey"],
                                                 environment: net.environment, directory: net.root)
            #expect(spki.succeeded, "\(spki)")
            let der = try await ChildProcess.run(openssl, ["pkey", "-pubin", "-outform", "DER"], environment: net.environment,
                                                directory: net.root, stdin: spki.stdoutData)
            #expect(der.succeeded && der.stdoutData.count == 44, "\(der)")  // Ed25519 SubjectPublicKeyInfo
            #expect(der.stdoutData.suffix(32).map { String(format: "%02x", $0) }.joined() == publicKey.lowercased(),
                    "the node's certificate does not hold its identity key")

            // No client certificate: the node refuses with an alert after the client's Finished.
            let anonymous = try await sClient(nil)
            #expect(!anonymous.succeeded, "\(anonymous)")
            #expect((anonymous.stdout + anonymous.stderr).contains("alert certificate required"), "\(anonymous)")

            // RSA and P-256: the node asks for Ed25519 signatures only, so these cannot authenticate.
            for (name, options) in [("rsa", ["rsa:2048"]), ("p256", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])] {
                let refused = try await sClient(try await makeCertificate(name, options))
                #expect(!refused.succeeded, "\(name): \(refused)")
                #expect((refused.stdout + refused.stderr).contains("alert"), "\(name): \(refused)")
            }

            // The node is still serving.
            let ping = try await net.vouchJSON(["ping", b.address], on: a)
            #expect(ping["peer"] as? String == b.id, "\(describe(ping))")
        }
    }

    static func firstCertificate(in text: String) -> String? {
        guard let start = text.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = text.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<text.endIndex) else { return nil }
        return String(text[start.lowerBound..<end.upperBound]) + "\n"
    }
}
