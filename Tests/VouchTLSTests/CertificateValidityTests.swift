import NIOCore
import NIOEmbedded
import Testing
import VouchCrypto
@testable import VouchTLS

/// Protocol/transport.md §2.1: a receiver MUST NOT reject a peer certificate for its validity
/// period. An implementation that sets notBefore to "now" would otherwise be refused by every
/// node whose clock is a little behind; the key is what is trusted, and the pin still holds.
@Suite("Certificate validity is not checked")
struct CertificateValidityTests {
    enum Validity: String, CaseIterable, Sendable {
        /// Expired a day ago.
        case expired
        /// Valid from tomorrow.
        case notYetValid
        /// notBefore after notAfter, both in the past: no instant at which it is valid.
        case inverted

        func certificate(for key: Ed25519PrivateKey) throws -> SelfSignedCertificate {
            switch self {
            case .expired:
                try SelfSignedCertificate(key: key, commonName: "expired", notBeforeSecondsFromNow: -2 * 86_400,
                                          notAfterSecondsFromNow: -86_400)
            case .notYetValid:
                try SelfSignedCertificate(key: key, commonName: "not-yet-valid", notBeforeSecondsFromNow: 86_400,
                                          notAfterSecondsFromNow: 2 * 86_400)
            case .inverted:
                try SelfSignedCertificate(key: key, commonName: "inverted", notBeforeSecondsFromNow: -86_400,
                                          notAfterSecondsFromNow: -2 * 86_400)
            }
        }
    }

    static func identity(_ validity: Validity) throws -> TestIdentity {
        let key = try Ed25519PrivateKey()
        return try TestIdentity(key: key, certificate: validity.certificate(for: key))
    }

    @Test(arguments: Validity.allCases)
    func aServerAcceptsAClientCertificateOutsideItsValidity(_ validity: Validity) throws {
        let client = try Self.identity(validity)
        let pair = try InMemoryTLSPair(client: client.configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        pair.clientWrites("after the handshake")
        try pair.interact()

        #expect(pair.serverRecorder.handshakes.map(\.peerKey) == [client.publicKey], "\(pair.serverRecorder.errors)")
        #expect(pair.serverRecorder.receivedText == "after the handshake")
        #expect(pair.clientRecorder.errors.isEmpty && pair.serverRecorder.errors.isEmpty)
    }

    @Test(arguments: Validity.allCases)
    func aClientAcceptsAServerCertificateOutsideItsValidity(_ validity: Validity) throws {
        let server = try Self.identity(validity)
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: server.configuration,
                                       expectedServerKey: server.publicKey)
        defer { pair.finish() }
        try pair.activateAndInteract()

        #expect(pair.clientRecorder.handshakes.map(\.peerKey) == [server.publicKey], "\(pair.clientRecorder.errors)")
        #expect(pair.serverRecorder.handshakes.count == 1)
        #expect(pair.clientRecorder.errors.isEmpty && pair.serverRecorder.errors.isEmpty)
    }

    /// Ignoring the validity period ignores nothing else: the pinned key still decides.
    @Test(arguments: Validity.allCases)
    func thePinStillHolds(_ validity: Validity) throws {
        let server = try Self.identity(validity)
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: server.configuration,
                                       expectedServerKey: try Ed25519PrivateKey().publicKey)
        defer { pair.finish() }
        try pair.activateAndInteract()

        #expect(pair.clientRecorder.handshakes.isEmpty && pair.serverRecorder.handshakes.isEmpty)
        #expect(pair.clientRecorder.errorCodes == [.peerKeyMismatch])
    }
}
