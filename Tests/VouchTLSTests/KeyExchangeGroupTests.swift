import NIOCore
import NIOEmbedded
import Testing
import VouchCrypto
@_spi(Testing) @testable import VouchTLS

/// A node offers and accepts the x25519 group only (Protocol/transport.md §2): a finite-field
/// group costs a server tens of times the CPU of X25519 per handshake, so accepting one lets a
/// peer replaying ClientHellos exhaust the node.
@Suite("Key exchange groups: x25519 only")
struct KeyExchangeGroupTests {
    @Test func twoNodesAgreeOnX25519() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        #expect(pair.clientRecorder.handshakes.map(\.keyExchangeGroup) == ["x25519"])
        #expect(pair.serverRecorder.handshakes.map(\.keyExchangeGroup) == ["x25519"])
    }

    /// The ClientHello offers finite-field groups only: the server finds no group in common and
    /// aborts with handshake_failure before computing any key exchange.
    @Test(arguments: ["ffdhe8192", "ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192", "P-256", "x448"])
    func aClientWithoutX25519IsRefused(groups: String) throws {
        let client = try TLSConfiguration.offeringGroupsForTesting(groups, privateKey: Ed25519PrivateKey())
        let pair = try InMemoryTLSPair(client: client, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()

        #expect(pair.serverRecorder.handshakes.isEmpty && pair.clientRecorder.handshakes.isEmpty)
        #expect(pair.serverRecorder.errorCodes == [.handshakeFailed])
        #expect(pair.serverRecorder.errors.first?.message.contains("we sent alert handshake_failure") == true,
                "\(pair.serverRecorder.errors)")
        #expect(pair.clientRecorder.errors.first?.message.contains("handshake_failure") == true, "\(pair.clientRecorder.errors)")
        #expect(!pair.server.isActive && !pair.client.isActive)
    }

    /// A client whose key share is for a finite-field group but which also lists x25519 gets a
    /// HelloRetryRequest for x25519 (one round trip more), never a finite-field exchange.
    @Test func aClientListingX25519AfterFFDHEIsAskedForX25519() throws {
        let client = try TLSConfiguration.offeringGroupsForTesting("ffdhe8192:x25519", privateKey: Ed25519PrivateKey())
        let pair = try InMemoryTLSPair(client: client, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        #expect(pair.serverRecorder.handshakes.map(\.keyExchangeGroup) == ["x25519"], "\(pair.serverRecorder.errors)")
        #expect(pair.clientRecorder.handshakes.map(\.keyExchangeGroup) == ["x25519"])
    }

    /// A node's ClientHello offers nothing but x25519: a server without it cannot proceed.
    @Test func aNodeOffersNothingButX25519() throws {
        let server = try TLSConfiguration.offeringGroupsForTesting("ffdhe2048:P-256:x448", privateKey: Ed25519PrivateKey())
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: server)
        defer { pair.finish() }
        try pair.activateAndInteract()
        #expect(pair.clientRecorder.handshakes.isEmpty && pair.serverRecorder.handshakes.isEmpty)
        #expect(pair.serverRecorder.errorCodes == [.handshakeFailed])
        #expect(pair.clientRecorder.errorCodes == [.handshakeFailed])
    }

    @Test func onlyTheProductionProfileSaysSo() throws {
        #expect(try TestIdentity().configuration.isProductionProfile)
        #expect(try !TLSConfiguration.offeringGroupsForTesting("x25519:ffdhe2048", privateKey: Ed25519PrivateKey()).isProductionProfile)
        #expect(try !TLSConfiguration.presentingNoCertificateForTesting(privateKey: Ed25519PrivateKey()).isProductionProfile)
    }
}
