internal import COpenSSL
import VouchCrypto

/// What one connection's OpenSSL callbacks need to know and what they learn.
///
/// OpenSSL calls our verify, ALPN and info callbacks as C function pointers that cannot capture
/// Swift state; they find this object through the `SSL`'s ex_data slot. It exists so that a
/// failure can be reported precisely ("the peer's key is not the pinned one") rather than as
/// OpenSSL's generic "certificate verify failed", and so the peer key is read once, at the place
/// where it is checked.
///
/// Lifetime: `OpenSSLConnection` holds it strongly and frees the `SSL` first, so the unretained
/// pointer in ex_data never outlives it. Only touched on the channel's event loop.
final class HandshakeRecord {
    let isClient: Bool
    /// The key a client insists on (nil: accept any key that passes the key policy).
    let expectedPeerKey: Ed25519PublicKey?
    /// Set on a relay client (Protocol/relay.md §4): the SHA-256 the relay's certificate must
    /// have. The relay's key may be of any type; only this digest identifies it.
    let expectedCertificateDigest: [UInt8]?
    /// True once the relay's certificate matched `expectedCertificateDigest`.
    var certificateDigestMatched = false

    /// The peer's key, set once its certificate passed every check.
    var peerKey: Ed25519PublicKey?
    /// Why our own callbacks refused the handshake (the first reason wins).
    private(set) var refusal: TLSError?
    /// The first alert (other than close_notify) the peer sent us.
    var alertReceived: TLSAlert?
    /// The first alert (other than close_notify) OpenSSL sent the peer.
    var alertSent: TLSAlert?

    init(isClient: Bool, expectedPeerKey: Ed25519PublicKey?, expectedCertificateDigest: [UInt8]? = nil) {
        self.isClient = isClient
        self.expectedPeerKey = expectedPeerKey
        self.expectedCertificateDigest = expectedCertificateDigest
    }

    func refuse(_ code: TLSError.Code, _ message: String) {
        if refusal == nil { refusal = TLSError(code, message) }
    }

    /// The ex_data slot that points from an `SSL` to its record. Global lets are initialised
    /// once, thread-safely, on first use.
    private static let exDataIndex: Int32 = vouch_SSL_get_ex_new_index()

    func attach(to ssl: OpaquePointer) -> Bool {
        SSL_set_ex_data(ssl, Self.exDataIndex, Unmanaged.passUnretained(self).toOpaque()) == 1
    }

    static func of(ssl: OpaquePointer?) -> HandshakeRecord? {
        guard let ssl, let raw = SSL_get_ex_data(ssl, exDataIndex) else { return nil }
        return Unmanaged<HandshakeRecord>.fromOpaque(raw).takeUnretainedValue()
    }
}

/// The info callback: records the first non-close_notify alert in each direction, so an error
/// can say which alert ended the connection and whether the peer refused our certificate.
let recordAlertsCallback: @convention(c) (OpaquePointer?, Int32, Int32) -> Void = { ssl, type, value in
    guard type & SSL_CB_ALERT != 0, let record = HandshakeRecord.of(ssl: ssl) else { return }
    let alert = TLSAlert(value: UInt8(truncatingIfNeeded: value & 0xFF))
    guard alert != .closeNotify else { return }
    if type & SSL_CB_READ != 0 {
        if record.alertReceived == nil { record.alertReceived = alert }
    } else if record.alertSent == nil {
        record.alertSent = alert
    }
}
