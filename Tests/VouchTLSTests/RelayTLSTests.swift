import Foundation
import NIOCore
import Testing
import VouchCrypto
import VouchTestKit
@testable import VouchTLS

/// A relay client's TLS (Protocol/relay.md §4) against a real strelaysrv on loopback: the relay is
/// identified by the SHA-256 of its certificate (an ECDSA one), nothing else; a relay whose
/// certificate is not the one its URI names gets no byte from us.
@Suite("Relay protocol-mode TLS against strelaysrv", .serialized)
struct RelayTLSTests {
    static let joinRelayRequest = Hex.decode("9e79bc400000000200000000")!
    /// Response code 0, "success".
    static let success = Hex.decode("9e79bc40000000040000001000000000000000077375636365737300")!

    static func relayContext() throws -> TLSConfiguration {
        let key = try Ed25519PrivateKey()
        return try TLSConfiguration.relayClient(privateKey: key, certificate: SelfSignedCertificate(key: key, commonName: "vouch-relay"))
    }

    @Test("the relay whose certificate has the digest: bep-relay negotiated, a join answered with success")
    func joins() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        let digest = SHA256.hash(Array(try relay.certificateDER()))
        let report = try await runTestClient(port: Int(relay.port), configuration: try Self.relayContext(),
                                             role: .relayClient(certificateDigest: digest),
                                             message: Self.joinRelayRequest, closeAfterReceiving: Self.success.count)
        #expect(report.relayHandshake?.protocolVersion == "TLSv1.3")
        #expect(report.handshake == nil)
        #expect(report.received == Self.success)
        #expect(report.errors.isEmpty && report.otherErrors.isEmpty)
    }

    @Test("a relay whose certificate does not match its URI is refused before anything is sent")
    func wrongRelay() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        var digest = SHA256.hash(Array(try relay.certificateDER()))
        digest[0] ^= 1
        let report = try await runTestClient(port: Int(relay.port), configuration: try Self.relayContext(),
                                             role: .relayClient(certificateDigest: digest), message: Self.joinRelayRequest)
        #expect(report.relayHandshake == nil)
        #expect(report.received.isEmpty)
        #expect(report.errorCodes.first == .peerKeyMismatch)
    }

    @Test("the relay context serves relay connections only, and a relay role needs it")
    func contextsDoNotMix() throws {
        let key = try Ed25519PrivateKey()
        let relayContext = try Self.relayContext()
        #expect(!relayContext.isProductionProfile)
        #expect(throws: TLSError.self) {
            try VouchTLSHandler(role: .client(expectedPeerKey: key.publicKey), configuration: relayContext, logger: .test)
        }
        #expect(throws: TLSError.self) {
            try VouchTLSHandler(role: .relayClient(certificateDigest: [UInt8](repeating: 0, count: 32)),
                                configuration: try TLSConfiguration(privateKey: key), logger: .test)
        }
    }
}
