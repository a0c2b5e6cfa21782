import Foundation
import NIOCore
import Testing
import VouchCrypto
@testable import VouchTLS
import VouchTestKit

/// Our handler against the `openssl` command-line tool, an independent TLS 1.3 implementation
/// configured by hand: what we accept and refuse must hold against a peer we did not write.
/// Serialized: each test runs an openssl process, and two cores are enough for one at a time.
@Suite("Interop with openssl s_client and s_server", .serialized)
struct OpenSSLInteropTests {
    static let acceptPattern = #"ACCEPT 127\.0\.0\.1:(\d+)"#

    // MARK: openssl s_client against our server

    @Test func sClientWithAnEd25519CertificateCompletesTheHandshake() async throws {
        let server = try TestIdentity()
        let clientKey = try Ed25519PrivateKey()
        let files = try CredentialDirectory()
        let clientFiles = try files.writeClientIdentity(clientKey)
        let listener = try await TestServer.start(
            configuration: server.configuration, echo: true, closeAfterReceiving: "hello vouch\n".utf8.count
        )
        defer { Task { await listener.stop() } }

        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_3", "-cert", clientFiles.certificate, "-key", clientFiles.key, "-alpn", "vouch/1",
             "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello vouch\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake?.peerKey == clientKey.publicKey, "s_client output:\n\(output)")
        #expect(report.handshake?.protocolVersion == "TLSv1.3")
        #expect(report.receivedText == "hello vouch\n")
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(output.contains("ALPN protocol: vouch/1"))
        #expect(output.contains("hello vouch"), "the echo reached s_client")
        // Tickets are disabled: every connection is a full handshake that proves the key again.
        #expect(!output.contains("New Session Ticket"))
    }

    @Test func sClientLimitedToTLS12IsRefused() async throws {
        let clientKey = try Ed25519PrivateKey()
        let files = try CredentialDirectory()
        let clientFiles = try files.writeClientIdentity(clientKey)
        let listener = try await TestServer.start(configuration: TestIdentity().configuration)
        defer { Task { await listener.stop() } }

        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_2", "-cert", clientFiles.certificate, "-key", clientFiles.key, "-alpn", "vouch/1",
             "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake == nil)
        #expect(report.errorCodes == [.handshakeFailed], "\(report.errors)")
        #expect(output.contains("alert protocol version"), "s_client output:\n\(output)")
    }

    @Test func sClientWithoutACertificateIsRefused() async throws {
        let listener = try await TestServer.start(configuration: TestIdentity().configuration)
        defer { Task { await listener.stop() } }

        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_3", "-alpn", "vouch/1", "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake == nil)
        #expect(report.errorCodes == [.noPeerCertificate])
        #expect(report.received.isEmpty)
        #expect(output.contains("alert certificate required"), "s_client output:\n\(output)")
    }

    enum ForeignKey: String, CaseIterable, Sendable {
        case rsa2048 = "rsa:2048"
        case ecdsaP256 = "ec"

        var requestArguments: [String] {
            switch self {
            case .rsa2048: ["-newkey", "rsa:2048"]
            case .ecdsaP256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            }
        }
    }

    @Test(arguments: ForeignKey.allCases)
    func sClientWithANonEd25519CertificateIsRefused(key: ForeignKey) async throws {
        let files = try CredentialDirectory()
        let keyPath = files.path("foreign-key.pem"), certificatePath = files.path("foreign-cert.pem")
        let generated = try await OpenSSLTool.run(
            ["req", "-x509"] + key.requestArguments
                + ["-nodes", "-keyout", keyPath, "-out", certificatePath, "-subj", "/CN=foreign", "-days", "2"]
        )
        try #require(generated.status == 0, "openssl req failed:\n\(generated.output)")

        let listener = try await TestServer.start(configuration: TestIdentity().configuration)
        defer { Task { await listener.stop() } }
        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_3", "-cert", certificatePath, "-key", keyPath, "-alpn", "vouch/1",
             "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake == nil)
        #expect(report.received.isEmpty)
        #expect(report.errorCodes == [.noPeerCertificate], "\(report.errors) / s_client output:\n\(output)")
        #expect(output.contains("alert"), "s_client output:\n\(output)")
    }

    @Test func sClientWithoutALPNIsRefused() async throws {
        let clientKey = try Ed25519PrivateKey()
        let files = try CredentialDirectory()
        let clientFiles = try files.writeClientIdentity(clientKey)
        let listener = try await TestServer.start(configuration: TestIdentity().configuration)
        defer { Task { await listener.stop() } }

        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_3", "-cert", clientFiles.certificate, "-key", clientFiles.key,
             "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake == nil)
        #expect(report.errorCodes == [.alpnMismatch])
        #expect(output.contains("no application protocol"), "s_client output:\n\(output)")
    }

    /// A replayed ffdhe8192 ClientHello cost the node about 30 times the CPU of an X25519 one:
    /// a ClientHello with no x25519 is refused with handshake_failure, before any key exchange.
    @Test(arguments: ["ffdhe8192", "ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192"])
    func sClientOfferingOnlyFiniteFieldGroupsIsRefused(groups: String) async throws {
        let clientKey = try Ed25519PrivateKey()
        let files = try CredentialDirectory()
        let clientFiles = try files.writeClientIdentity(clientKey)
        let listener = try await TestServer.start(configuration: TestIdentity().configuration)
        defer { Task { await listener.stop() } }

        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_3", "-groups", groups, "-cert", clientFiles.certificate, "-key", clientFiles.key,
             "-alpn", "vouch/1", "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake == nil)
        #expect(report.received.isEmpty)
        #expect(report.errorCodes == [.handshakeFailed], "\(report.errors)")
        #expect(output.contains("alert handshake failure"), "s_client output:\n\(output)")
    }

    @Test func sClientListingX25519AfterFFDHEGetsX25519() async throws {
        let clientKey = try Ed25519PrivateKey()
        let files = try CredentialDirectory()
        let clientFiles = try files.writeClientIdentity(clientKey)
        let listener = try await TestServer.start(
            configuration: TestIdentity().configuration, echo: true, closeAfterReceiving: "hello\n".utf8.count
        )
        defer { Task { await listener.stop() } }

        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_3", "-groups", "ffdhe8192:x25519", "-cert", clientFiles.certificate, "-key", clientFiles.key,
             "-alpn", "vouch/1", "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake?.keyExchangeGroup == "x25519", "\(report.errors) / s_client output:\n\(output)")
        #expect(report.receivedText == "hello\n")
        #expect(output.contains("Server Temp Key: X25519"), "s_client output:\n\(output)")
    }

    /// transport.md §2.1: the validity period is not checked, against an independent client too.
    @Test func sClientWithAnExpiredCertificateCompletesTheHandshake() async throws {
        let clientKey = try Ed25519PrivateKey()
        let files = try CredentialDirectory()
        let expired = try SelfSignedCertificate(key: clientKey, commonName: "expired", notBeforeSecondsFromNow: -2 * 86_400,
                                                notAfterSecondsFromNow: -86_400)
        let clientFiles = try files.writeIdentity(clientKey, certificate: expired, name: "client")
        let listener = try await TestServer.start(
            configuration: TestIdentity().configuration, echo: true, closeAfterReceiving: "hello\n".utf8.count
        )
        defer { Task { await listener.stop() } }

        let (_, output) = try await OpenSSLTool.run(
            ["s_client", "-tls1_3", "-cert", clientFiles.certificate, "-key", clientFiles.key, "-alpn", "vouch/1",
             "-connect", "127.0.0.1:\(listener.port)", "-ign_eof"],
            input: "hello\n"
        )
        let report = try await listener.firstConnection

        #expect(report.handshake?.peerKey == clientKey.publicKey, "\(report.errors) / s_client output:\n\(output)")
        #expect(report.receivedText == "hello\n")
        #expect(!output.contains("alert"), "s_client output:\n\(output)")
    }

    // MARK: our client against openssl s_server

    /// Starts `openssl s_server` with a fresh Ed25519 identity; returns it, its key and port.
    static func startSServer(files: CredentialDirectory, alpn: Bool = true, groups: String? = nil, trace: Bool = false,
                             certificate: ((Ed25519PrivateKey) throws -> SelfSignedCertificate)? = nil)
        async throws -> (RunningOpenSSL, Ed25519PublicKey, Int) {
        let key = try Ed25519PrivateKey()
        let presented = try certificate?(key) ?? SelfSignedCertificate(key: key, commonName: "s_server")
        let paths = try files.writeIdentity(key, certificate: presented, name: "server")
        let server = try RunningOpenSSL(
            ["s_server", "-tls1_3", "-accept", "127.0.0.1:0", "-cert", paths.certificate, "-key", paths.key,
             "-verify", "1", "-naccept", "1"] + (alpn ? ["-alpn", "vouch/1"] : []) + (groups.map { ["-groups", $0] } ?? []) + (trace ? ["-trace"] : []),
            keepStdinOpen: true
        )
        let port = try #require(Int(try await server.waitForOutput(matching: acceptPattern)))
        return (server, key.publicKey, port)
    }

    @Test func ourClientCompletesTheHandshakeWithSServerWhenThePinMatches() async throws {
        let files = try CredentialDirectory()
        let (server, serverKey, port) = try await Self.startSServer(files: files)
        defer { server.terminate() }
        let client = try TestIdentity()

        // s_server echoes nothing by itself; the client closes as soon as the handshake is done.
        let report = try await runTestClient(
            port: port, configuration: client.configuration, expectedPeerKey: serverKey, closeAfterReceiving: nil,
            closeAfterHandshake: true
        )
        #expect(report.handshake?.peerKey == serverKey, "s_server output:\n\(server.output)")
        #expect(report.handshake?.applicationProtocol == "vouch/1")
        #expect(report.errors.isEmpty, "\(report.errors)")
    }

    @Test func ourClientAbortsAgainstSServerWithTheWrongKey() async throws {
        let files = try CredentialDirectory()
        let (server, _, port) = try await Self.startSServer(files: files)
        defer { server.terminate() }

        let report = try await runTestClient(
            port: port, configuration: TestIdentity().configuration, expectedPeerKey: try Ed25519PrivateKey().publicKey
        )
        #expect(report.handshake == nil)
        #expect(report.errorCodes == [.peerKeyMismatch])
        // The abort was an alert, and s_server saw it.
        let alert = try await server.waitForOutput(matching: "(alert bad certificate)")
        #expect(alert == "alert bad certificate")
    }

    @Test func ourClientAbortsAgainstSServerWithoutALPN() async throws {
        let files = try CredentialDirectory()
        let (server, serverKey, port) = try await Self.startSServer(files: files, alpn: false)
        defer { server.terminate() }

        let report = try await runTestClient(port: port, configuration: TestIdentity().configuration, expectedPeerKey: serverKey)
        #expect(report.handshake == nil)
        #expect(report.errorCodes == [.alpnMismatch], "\(report.errors)")
        // The alert transport.md §2.2 names for this case.
        let alert = try await server.waitForOutput(matching: "(alert [a-z ]+)")
        #expect(alert == "alert handshake failure", "s_server output:\n\(server.output)")
    }

    @Test func ourClientFindsNoGroupWithAnSServerThatLacksX25519() async throws {
        let files = try CredentialDirectory()
        let (server, serverKey, port) = try await Self.startSServer(files: files, groups: "ffdhe2048:ffdhe8192:P-256")
        defer { server.terminate() }

        let report = try await runTestClient(port: port, configuration: TestIdentity().configuration, expectedPeerKey: serverKey)
        #expect(report.handshake == nil)
        #expect(report.errorCodes == [.handshakeFailed], "\(report.errors)")
        #expect(report.errors.first?.message.contains("handshake_failure") == true, "\(report.errors)")
    }

    @Test func ourClientAcceptsAnSServerWhoseCertificateIsNotYetValid() async throws {
        let files = try CredentialDirectory()
        let (server, serverKey, port) = try await Self.startSServer(files: files) { key in
            try SelfSignedCertificate(key: key, commonName: "tomorrow", notBeforeSecondsFromNow: 86_400,
                                      notAfterSecondsFromNow: 2 * 86_400)
        }
        defer { server.terminate() }

        let report = try await runTestClient(
            port: port, configuration: TestIdentity().configuration, expectedPeerKey: serverKey, closeAfterReceiving: nil,
            closeAfterHandshake: true
        )
        #expect(report.handshake?.peerKey == serverKey, "\(report.errors) / s_server output:\n\(server.output)")
        #expect(report.errors.isEmpty, "\(report.errors)")
    }

    /// transport.md §2: what a node's ClientHello offers, read off the wire by s_server -trace.
    @Test func ourClientHelloOffersEd25519AndX25519Only() async throws {
        let files = try CredentialDirectory()
        let (server, serverKey, port) = try await Self.startSServer(files: files, trace: true)
        defer { server.terminate() }
        let report = try await runTestClient(
            port: port, configuration: TestIdentity().configuration, expectedPeerKey: serverKey, closeAfterReceiving: nil,
            closeAfterHandshake: true
        )
        #expect(report.handshake != nil, "\(report.errors)")
        let trace = server.output
        let hello = try #require(trace.range(of: "ClientHello").map { String(trace[$0.lowerBound...].prefix(6000)) })
        let end = hello.range(of: "ServerHello").map { String(hello[..<$0.lowerBound]) } ?? hello
        #expect(end.contains("extension_type=signature_algorithms(13)"), "\(end)")
        #expect(!end.contains("signature_algorithms_cert"), "the node sends no signature_algorithms_cert: \(end)")
        #expect(end.contains("ed25519 (0x0807)"), "\(end)")
        #expect(!end.contains("ecdsa") && !end.contains("rsa_pss"), "ed25519 only: \(end)")
        #expect(end.contains("ecdh_x25519 (29)"), "\(end)")
        #expect(!end.contains("ffdhe") && !end.contains("secp256r1"), "x25519 only: \(end)")
    }
}
