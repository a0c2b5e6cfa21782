public import VouchCrypto

/// The user inbound event `VouchTLSHandler` fires once the handshake completes: who the peer is
/// (its Ed25519 identity key, verified by TLS and checked against the key policy and any pin)
/// and what was negotiated. Handlers after the TLS handler wait for it before speaking Vouch.
///
/// A TLS 1.3 client gets this event before the server has checked the client's certificate; if
/// the server refuses it, the client learns it from the server's alert, which makes the client's
/// handler fail with `TLSError.Code.rejectedByPeer` (through `errorCaught`) and close the channel
/// on its next read, possibly after writes made in reaction to this event were already sent.
public struct TLSHandshakeCompleted: Sendable, Equatable {
    public let peerKey: Ed25519PublicKey
    /// OpenSSL's name for the version, e.g. "TLSv1.3".
    public let protocolVersion: String
    /// The IANA name of the cipher suite, e.g. "TLS_AES_256_GCM_SHA384".
    public let cipher: String
    /// The key exchange group; always "x25519" for a node (`TLSConfiguration`).
    public let keyExchangeGroup: String
    /// The ALPN protocol: "vouch/1" on every connection a node makes or accepts. Empty only on
    /// the server side of the benchmark context, which accepts a ClientHello without ALPN
    /// (`TLSConfiguration.toleratingMissingALPNForBenchmarks`; a node refuses that context).
    public let applicationProtocol: String

    public init(peerKey: Ed25519PublicKey, protocolVersion: String, cipher: String, keyExchangeGroup: String,
                applicationProtocol: String) {
        self.peerKey = peerKey
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.keyExchangeGroup = keyExchangeGroup
        self.applicationProtocol = applicationProtocol
    }
}

/// The event a relay client's handler fires instead (`VouchTLSHandler.Role.relayClient`): the
/// relay's certificate matched the digest in its URI and it selected `bep-relay`.
public struct RelayTLSHandshakeCompleted: Sendable, Equatable {
    public let protocolVersion: String
    public let cipher: String

    public init(protocolVersion: String, cipher: String) {
        self.protocolVersion = protocolVersion
        self.cipher = cipher
    }
}
