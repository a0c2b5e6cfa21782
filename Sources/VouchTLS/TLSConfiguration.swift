internal import COpenSSL
public import VouchCrypto

/// A node's TLS settings, built once from its identity and shared by every connection, both
/// inbound (server) and outbound (client): an OpenSSL `SSL_CTX`.
///
/// What it enforces, and why:
/// - TLS 1.3 only: no downgrade surface, and the certificate is encrypted in the handshake.
/// - Signature scheme `ed25519` only, for both sides' CertificateVerify: identities are Ed25519.
/// - Key exchange group `x25519` only, offered and accepted: a finite-field group (ffdhe8192)
///   costs a server about 30 times the CPU of X25519 per handshake, so a peer replaying such a
///   ClientHello (no crypto on its side) could exhaust the node. A ClientHello without x25519 in
///   `supported_groups` gets `handshake_failure` (40) before any key exchange is computed.
/// - Our certificate is the self-signed `SelfSignedCertificate` of our identity key.
/// - Both sides must present a certificate (`SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`);
///   the verify callback (`PeerCertificateVerifier.swift`) decides on the key, not on a chain.
/// - ALPN exactly `vouch/1` (`VouchALPN.swift`).
/// - No session tickets, no session cache, no renegotiation: every connection does a full
///   handshake, so every connection proves the peer's key afresh.
///
/// `@unchecked Sendable`: after `init` the `SSL_CTX` is never modified, and OpenSSL documents
/// creating `SSL` objects from one `SSL_CTX` on many threads as safe. The callbacks installed
/// here keep no state of their own; per-connection state lives in each `SSL`'s ex_data.
public final class TLSConfiguration: @unchecked Sendable {
    /// The `SSL_CTX`.
    let context: OpaquePointer
    /// Our identity, as presented to peers.
    public let publicKey: Ed25519PublicKey
    public let certificate: SelfSignedCertificate
    /// How this context departs from the node's profile: `.production` for every context a node
    /// may use; tests and benchmarks build the others through SPI constructors.
    let profile: Profile

    /// Whether this context is exactly the profile of Protocol/transport.md §2. A node refuses
    /// to listen or to build a connection with any other (`NodeRuntime.bindListener`,
    /// `NodeRuntime.configurePipeline`).
    public var isProductionProfile: Bool { profile == .production }

    /// Whether this is a relay client's context (`relayClient`), which only
    /// `VouchTLSHandler.Role.relayClient` may use and a vouch/1 connection never does.
    public var isRelayClientProfile: Bool { profile.relayClient }

    /// The ALPN protocol of a relay's protocol mode (syncthing-relay(7)).
    public static let relayProtocolName = "bep-relay"

    /// Whether this is exactly `toleratingMissingALPNForBenchmarks`'s context, the one departure
    /// a benchmark may ask a node's listener to take.
    @_spi(Benchmarks)
    public var isBenchmarkProfile: Bool { profile == .benchmark }

    /// The settings that tests and benchmarks may change. Anything not here is the same in every context.
    struct Profile: Equatable {
        /// False: no certificate or key is loaded, so a client answers a CertificateRequest with
        /// an empty Certificate message.
        var presentsIdentity = true
        /// True: as a server, accept a ClientHello that carries no ALPN extension at all.
        var toleratesMissingALPN = false
        /// The key exchange groups offered and accepted, in OpenSSL's list syntax.
        var keyExchangeGroups = "x25519"
        /// A client of a relay's protocol mode: ALPN `bep-relay`, a relay certificate of any key
        /// type (ECDSA for strelaysrv), identified by its SHA-256 alone.
        var relayClient = false

        static let production = Profile()
        static let benchmark = Profile(toleratesMissingALPN: true)
    }

    /// Builds the context for `privateKey`, presenting `certificate`, which must hold the same key.
    public convenience init(privateKey: Ed25519PrivateKey, certificate: SelfSignedCertificate) throws {
        try self.init(privateKey: privateKey, certificate: certificate, profile: .production)
    }

    /// Builds the context with a fresh self-signed certificate for `privateKey`.
    public convenience init(privateKey: Ed25519PrivateKey) throws {
        try self.init(privateKey: privateKey, certificate: SelfSignedCertificate(key: privateKey, commonName: "vouch"))
    }

    /// The context a node talks to relays with in protocol mode (Protocol/relay.md §4): TLS 1.3
    /// only, presenting `certificate` (the node's deterministic relay certificate, or a
    /// throwaway one for a dialer), offering `bep-relay`, and accepting the signature schemes
    /// and groups a relay's own key needs (strelaysrv makes an ECDSA P-256 key). Which relay it
    /// is, is decided by the certificate digest each connection is given
    /// (`VouchTLSHandler.Role.relayClient`). Not the node's profile: `isProductionProfile` is false,
    /// so no vouch/1 connection can use it.
    public static func relayClient(privateKey: Ed25519PrivateKey, certificate: SelfSignedCertificate) throws -> TLSConfiguration {
        var profile = Profile.production
        profile.relayClient = true
        profile.keyExchangeGroups = "x25519:P-256"
        return try TLSConfiguration(privateKey: privateKey, certificate: certificate, profile: profile)
    }

    /// A context that loads no certificate or key, so as a client it answers the server's
    /// certificate request with an empty Certificate message. No Vouch node does that; it
    /// exists so tests can show that a server refuses such a client and how the client learns it.
    @_spi(Testing)
    public static func presentingNoCertificateForTesting(privateKey: Ed25519PrivateKey) throws -> TLSConfiguration {
        var profile = Profile.production
        profile.presentsIdentity = false
        return try TLSConfiguration(privateKey: privateKey, certificate: SelfSignedCertificate(key: privateKey, commonName: "vouch"),
                                    profile: profile)
    }

    /// A context that offers and accepts the key exchange groups `groups` (OpenSSL's list
    /// syntax, e.g. "ffdhe2048:ffdhe8192") instead of x25519 alone, so tests can show that a node
    /// refuses a peer without x25519.
    @_spi(Testing)
    public static func offeringGroupsForTesting(_ groups: String, privateKey: Ed25519PrivateKey) throws -> TLSConfiguration {
        var profile = Profile.production
        profile.keyExchangeGroups = groups
        return try TLSConfiguration(privateKey: privateKey, certificate: SelfSignedCertificate(key: privateKey, commonName: "vouch"),
                                    profile: profile)
    }

    /// A context for `vouch-bench handshakes` only: identical to a node's, except that as a
    /// server it accepts a ClientHello that carries no ALPN extension (the handshake then
    /// completes with no application protocol; `TLSHandshakeCompleted.applicationProtocol` is
    /// empty). A client that does offer ALPN must still offer `vouch/1`. It exists because
    /// `openssl s_time`, the reference handshake client, cannot send ALPN. Behind its own SPI so
    /// that no code reaches it by accident, and refused by a node (`isProductionProfile` is
    /// false) unless the benchmark asks the listener for it explicitly.
    @_spi(Benchmarks)
    public static func toleratingMissingALPNForBenchmarks(privateKey: Ed25519PrivateKey,
                                                          certificate: SelfSignedCertificate) throws -> TLSConfiguration {
        try TLSConfiguration(privateKey: privateKey, certificate: certificate, profile: .benchmark)
    }

    private init(privateKey: Ed25519PrivateKey, certificate: SelfSignedCertificate, profile: Profile) throws {
        let certificateKey: Ed25519PublicKey
        do {
            certificateKey = try SelfSignedCertificate.ed25519PublicKey(fromDER: certificate.der)
        } catch {
            throw TLSError(.configuration, "the certificate is not usable: \(error)")
        }
        guard ConstantTime.equals(certificateKey.rawRepresentation, privateKey.publicKey.rawRepresentation) else {
            throw TLSError(.configuration, "the certificate does not hold the identity key")
        }

        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_method()) else {
            throw TLSError(.configuration, "SSL_CTX_new failed", openSSLErrors: OpenSSLErrorQueue.drain())
        }
        self.context = context
        self.publicKey = privateKey.publicKey
        self.certificate = certificate
        self.profile = profile

        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw TLSError(.configuration, "\(what) failed", openSSLErrors: OpenSSLErrorQueue.drain()) }
        }
        try check(vouch_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1, "setting the minimum version")
        try check(vouch_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1, "setting the maximum version")
        // A relay signs with whatever key it has; our own certificate is still Ed25519.
        let serverSignatureSchemes = profile.relayClient
            ? "ed25519:ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512"
            : "ed25519"
        try check(vouch_SSL_CTX_set1_sigalgs_list(context, serverSignatureSchemes) == 1, "restricting signature algorithms")
        try check(vouch_SSL_CTX_set1_client_sigalgs_list(context, "ed25519") == 1, "restricting client signature algorithms")
        try check(vouch_SSL_CTX_set1_groups_list(context, profile.keyExchangeGroups) == 1, "restricting key exchange groups")

        if profile.presentsIdentity {
            let x509: OpaquePointer? = certificate.der.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_X509(nil, &cursor, buffer.count)
            }
            try check(x509 != nil, "parsing the certificate")
            defer { X509_free(x509) }
            try check(SSL_CTX_use_certificate(context, x509) == 1, "SSL_CTX_use_certificate")
            try check(SSL_CTX_use_PrivateKey(context, privateKey.evpKey) == 1, "SSL_CTX_use_PrivateKey")
            try check(SSL_CTX_check_private_key(context) == 1, "SSL_CTX_check_private_key")
        }

        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyPeerCertificateCallback)
        // Client side: offer vouch/1, or bep-relay to a relay (note: this function returns 0 on success).
        let alpn = profile.relayClient
            ? [UInt8(Self.relayProtocolName.utf8.count)] + Array(Self.relayProtocolName.utf8)
            : VouchALPN.wireFormat
        let alpnResult = alpn.withUnsafeBufferPointer {
            SSL_CTX_set_alpn_protos(context, $0.baseAddress, UInt32($0.count))
        }
        try check(alpnResult == 0, "SSL_CTX_set_alpn_protos")
        // Server side: require the extension, then select vouch/1 from it.
        if !profile.toleratesMissingALPN {
            SSL_CTX_set_client_hello_cb(context, requireALPNClientHelloCallback, nil)
        }
        SSL_CTX_set_alpn_select_cb(context, selectVouchALPNCallback, nil)
        SSL_CTX_set_info_callback(context, recordAlertsCallback)

        _ = vouch_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        // An idle session then holds no 17 KiB read and write buffers: a node keeps many idle sessions.
        _ = vouch_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        try check(vouch_SSL_CTX_disable_tickets(context) == 1, "disabling session tickets")
        SSL_CTX_set_options(context, vouch_SSL_OP_NO_TICKET() | vouch_SSL_OP_NO_RENEGOTIATION())
    }

    deinit { SSL_CTX_free(context) }
}
