import NIOCore
import NIOPosix
import Testing
import VouchCrypto
@_spi(Testing) @testable import VouchTLS

/// `VouchTLSHandler` on both ends of real TCP sockets on 127.0.0.1.
@Suite("VouchTLSHandler over loopback sockets")
struct LoopbackTests {
    @Test func handshakeAndEcho() async throws {
        let client = try TestIdentity(), server = try TestIdentity()
        let listener = try await TestServer.start(configuration: server.configuration)
        defer { Task { await listener.stop() } }

        let clientReport = try await runTestClient(
            port: listener.port, configuration: client.configuration, expectedPeerKey: server.publicKey,
            message: "ping over TCP", closeAfterReceiving: "ping over TCP".utf8.count
        )
        let serverReport = try await listener.firstConnection

        #expect(clientReport.handshake?.peerKey == server.publicKey)
        #expect(clientReport.handshake?.applicationProtocol == "vouch/1")
        #expect(clientReport.receivedText == "ping over TCP")
        #expect(clientReport.errors.isEmpty && clientReport.otherErrors.isEmpty)

        #expect(serverReport.handshake?.peerKey == client.publicKey)
        #expect(serverReport.receivedText == "ping over TCP")
        #expect(serverReport.errors.isEmpty, "the client closed with close_notify")
    }

    @Test func clientWithoutCertificateLearnsOfItsRefusal() async throws {
        let listener = try await TestServer.start(configuration: TestIdentity().configuration)
        defer { Task { await listener.stop() } }

        let clientReport = try await runTestClient(
            port: listener.port,
            configuration: TLSConfiguration.presentingNoCertificateForTesting(privateKey: Ed25519PrivateKey()),
            expectedPeerKey: nil, message: "hello?"
        )
        let serverReport = try await listener.firstConnection

        #expect(serverReport.handshake == nil)
        #expect(serverReport.errorCodes == [.noPeerCertificate])
        #expect(serverReport.received.isEmpty)
        #expect(clientReport.errorCodes == [.rejectedByPeer])
    }
}
