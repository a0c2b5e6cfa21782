import NIOCore
import NIOEmbedded
import Testing
import VouchCrypto
@_spi(Testing) @testable import VouchTLS

/// The alerts the reference node sends, as Protocol/transport.md §2.2 lists them. Peers must not
/// depend on them, but the spec names them, so they are checked against what OpenSSL really sends.
@Suite("The alerts a node sends")
struct AlertTests {
    /// The record of `channel`'s connection, taken before the handshake (a failed one empties the pipeline).
    static func record(of channel: EmbeddedChannel) throws -> HandshakeRecord {
        try channel.pipeline.syncOperations.handler(type: VouchTLSHandler.self).connectionForTesting.record
    }

    @Test func aClientWhoseServerIsNotThePinnedKeySendsBadCertificate() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration,
                                       expectedServerKey: try Ed25519PrivateKey().publicKey)
        defer { pair.finish() }
        let record = try Self.record(of: pair.client)
        try pair.activateAndInteract()
        #expect(record.alertSent == .badCertificate)
        #expect(pair.serverRecorder.errors.first?.message.contains("bad_certificate") == true, "\(pair.serverRecorder.errors)")
    }

    @Test func aServerSendsCertificateRequiredToAClientWithAnEmptyCertificate() throws {
        let pair = try InMemoryTLSPair(client: TLSConfiguration.presentingNoCertificateForTesting(privateKey: Ed25519PrivateKey()),
                                       server: TestIdentity().configuration)
        defer { pair.finish() }
        let record = try Self.record(of: pair.server)
        try pair.activateAndInteract()
        #expect(record.alertSent == .certificateRequired)
    }

    @Test func aServerSendsHandshakeFailureToAClientWithoutX25519() throws {
        let pair = try InMemoryTLSPair(client: TLSConfiguration.offeringGroupsForTesting("ffdhe2048", privateKey: Ed25519PrivateKey()),
                                       server: TestIdentity().configuration)
        defer { pair.finish() }
        let record = try Self.record(of: pair.server)
        try pair.activateAndInteract()
        #expect(record.alertSent == .handshakeFailure)
    }
}
