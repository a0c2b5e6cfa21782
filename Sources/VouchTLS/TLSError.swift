public import VouchCrypto

/// An error from the TLS layer. Callers match on `code`; `message` is for people and
/// `openSSLErrors` is what OpenSSL's error queue held when the failure was noticed (empty when
/// the failure was ours, e.g. a pinned-key mismatch decided in Swift). Neither ever holds key
/// material: the most they name is a public key's hex, which is not secret.
///
public struct TLSError: CodedError, Equatable {
    public typealias Code = ErrorCode<TLSError>

    public let code: Code
    public let message: String
    /// OpenSSL's error queue, drained, oldest first; empty if nothing was recorded.
    public let openSSLErrors: String

    public init(_ code: Code, _ message: String, openSSLErrors: String = "") {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        openSSLErrors.isEmpty ? "\(code): \(message)" : "\(code): \(message) (OpenSSL: \(openSSLErrors))"
    }
}

extension ErrorCode where Domain == TLSError {
    /// The handshake failed for a reason none of the more specific codes covers (garbage
    /// bytes, no shared cipher or group, the peer closed the connection mid-handshake).
    public static var handshakeFailed: Self { Self("handshake-failed") }
    /// The peer's key is a valid Ed25519 key but not the one this client pinned.
    public static var peerKeyMismatch: Self { Self("peer-key-mismatch") }
    /// The peer sent no certificate (only a server sees this: TLS 1.3 servers always send one).
    public static var noPeerCertificate: Self { Self("no-peer-certificate") }
    /// The peer's certificate holds a key that is not Ed25519, fails Vouch's key policy, or
    /// comes in a chain instead of alone and self-signed.
    public static var unsupportedPeerKey: Self { Self("unsupported-peer-key") }
    /// The peer did not offer or did not select the `vouch/1` application protocol.
    public static var alpnMismatch: Self { Self("alpn-mismatch") }
    /// The handshake did not finish within the configured time.
    public static var handshakeTimeout: Self { Self("handshake-timeout") }
    /// The connection ended (EOF) while active, without the peer's close_notify: the data
    /// received may be truncated.
    public static var uncleanShutdown: Self { Self("unclean-shutdown") }
    /// The peer sent a fatal alert saying it refuses our certificate or key (bad_certificate,
    /// certificate_required, access_denied…). In TLS 1.3 a client learns this only on its
    /// first read after its own handshake completed.
    public static var rejectedByPeer: Self { Self("rejected-by-peer") }
    /// A record after the handshake could not be processed, or the peer sent a fatal alert
    /// not covered above.
    public static var protocolError: Self { Self("protocol-error") }
    /// A write was attempted after the connection closed or failed.
    public static var connectionClosed: Self { Self("connection-closed") }
    /// The TLS context could not be built from the identity (an OpenSSL call failed).
    public static var configuration: Self { Self("configuration") }
}
