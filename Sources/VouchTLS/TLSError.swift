/// An error from the TLS layer. Callers match on `code`; `message` is for people and
/// `openSSLErrors` is what OpenSSL's error queue held when the failure was noticed (empty when
/// the failure was ours, e.g. a pinned-key mismatch decided in Swift). Neither ever holds key
/// material: the most they name is a public key's hex, which is not secret.
///
/// `Code` wraps a private enum so new codes can be added without breaking callers that switch.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case handshakeFailed = "handshake-failed"
            case peerKeyMismatch = "peer-key-mismatch"
            case noPeerCertificate = "no-peer-certificate"
            case unsupportedPeerKey = "unsupported-peer-key"
            case alpnMismatch = "alpn-mismatch"
            case handshakeTimeout = "handshake-timeout"
            case uncleanShutdown = "unclean-shutdown"
            case rejectedByPeer = "rejected-by-peer"
            case protocolError = "protocol-error"
            case connectionClosed = "connection-closed"
            case configuration = "configuration"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The handshake failed for a reason none of the more specific codes covers (garbage
        /// bytes, no shared cipher or group, the peer closed the connection mid-handshake).
        public static let handshakeFailed = Code(.handshakeFailed)
        /// The peer's key is a valid Ed25519 key but not the one this client pinned.
        public static let peerKeyMismatch = Code(.peerKeyMismatch)
        /// The peer sent no certificate (only a server sees this: TLS 1.3 servers always send one).
        public static let noPeerCertificate = Code(.noPeerCertificate)
        /// The peer's certificate holds a key that is not Ed25519, fails Vouch's key policy, or
        /// comes in a chain instead of alone and self-signed.
        public static let unsupportedPeerKey = Code(.unsupportedPeerKey)
        /// The peer did not offer or did not select the `vouch/1` application protocol.
        public static let alpnMismatch = Code(.alpnMismatch)
        /// The handshake did not finish within the configured time.
        public static let handshakeTimeout = Code(.handshakeTimeout)
        /// The connection ended (EOF) while active, without the peer's close_notify: the data
        /// received may be truncated.
        public static let uncleanShutdown = Code(.uncleanShutdown)
        /// The peer sent a fatal alert saying it refuses our certificate or key (bad_certificate,
        /// certificate_required, access_denied…). In TLS 1.3 a client learns this only on its
        /// first read after its own handshake completed.
        public static let rejectedByPeer = Code(.rejectedByPeer)
        /// A record after the handshake could not be processed, or the peer sent a fatal alert
        /// not covered above.
        public static let protocolError = Code(.protocolError)
        /// A write was attempted after the connection closed or failed.
        public static let connectionClosed = Code(.connectionClosed)
        /// The TLS context could not be built from the identity (an OpenSSL call failed).
        public static let configuration = Code(.configuration)

        public var description: String { base.rawValue }
    }

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
