internal import COpenSSL
import VouchCrypto

/// The certificate verify callback, both ways.
///
/// Vouch has no certificate authorities: a node is its Ed25519 key, and its certificate is only
/// the container TLS needs to carry that key (TLS 1.3's CertificateVerify proves the peer holds
/// it). So chain building is expected to fail with "self-signed certificate" at depth 0, and
/// that error is ignored, as are the validity period's (`ignoredVerificationErrors`):
/// Protocol/transport.md §2.1 says a receiver MUST NOT reject a certificate for its validity,
/// which carries no trust here, and a peer whose clock is a little ahead or behind would
/// otherwise be refused. Everything else is checked here, where the certificate is at hand:
/// - exactly one certificate (depth 0), self-signed; any other verification error still fails
///   (one issued by someone else, a signature that does not verify);
/// - its key is Ed25519 and passes Vouch's key policy (no small-order or non-canonical keys);
/// - on a client with a pinned key, it is that key (constant-time compare);
/// - on a client, the server selected `vouch/1` (ALPN arrives in EncryptedExtensions, before the
///   server's Certificate, so the handshake can still be aborted with an alert).
///
/// Returning 0 makes OpenSSL abort the handshake with an alert derived from the error set on
/// the store context. The precise reason goes into the connection's `HandshakeRecord`.
let verifyPeerCertificateCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverifyOK, store in
    guard let store,
          let sslPointer = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
          let record = HandshakeRecord.of(ssl: OpaquePointer(sslPointer)) else {
        return 0
    }
    let ssl = OpaquePointer(sslPointer)

    func reject(_ code: TLSError.Code, _ message: String, x509Error: Int32 = X509_V_ERR_CERT_REJECTED) -> Int32 {
        record.refuse(code, message)
        X509_STORE_CTX_set_error(store, x509Error)
        return 0
    }

    let depth = X509_STORE_CTX_get_error_depth(store)
    if let expectedDigest = record.expectedCertificateDigest {
        // A relay (Protocol/relay.md §4): nothing but the leaf's SHA-256 is checked; chain and
        // validity errors say nothing about it.
        guard depth == 0 else { return 1 }
        guard let certificate = X509_STORE_CTX_get_current_cert(store) else {
            return reject(.noPeerCertificate, "the relay presented no certificate")
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(certificate, &out)
        guard length > 0, let out else { return reject(.noPeerCertificate, "the relay's certificate cannot be encoded") }
        let digest = SHA256.hash(UnsafeBufferPointer(start: out, count: Int(length)))
        vouch_OPENSSL_free(out)
        guard ConstantTime.equals(digest, expectedDigest) else {
            return reject(.peerKeyMismatch,
                          "the relay's certificate (SHA-256 \(Hex.encode(digest))) is not the one its URI names (\(Hex.encode(expectedDigest)))")
        }
        record.certificateDigestMatched = true
        return 1
    }
    guard depth == 0 else {
        return reject(.unsupportedPeerKey, "the peer sent a certificate chain; Vouch expects one self-signed certificate")
    }
    let chainError = X509_STORE_CTX_get_error(store)
    if preverifyOK == 0 && !ignoredVerificationErrors.contains(chainError) {
        let reason = String(cString: X509_verify_cert_error_string(Int(chainError)))
        return reject(.handshakeFailed, "the peer certificate failed verification: \(reason)", x509Error: chainError)
    }

    guard let certificate = X509_STORE_CTX_get_current_cert(store), let pkey = X509_get0_pubkey(certificate) else {
        return reject(.noPeerCertificate, "the peer certificate has no readable public key")
    }
    guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 else {
        let type = EVP_PKEY_get0_type_name(pkey).map { String(cString: $0) } ?? "unknown"
        return reject(.unsupportedPeerKey, "the peer certificate holds a \(type) key; Vouch accepts only Ed25519")
    }
    var raw = [UInt8](repeating: 0, count: Ed25519.publicKeyByteCount)
    var length = raw.count
    guard EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1, length == Ed25519.publicKeyByteCount else {
        return reject(.unsupportedPeerKey, "the peer's Ed25519 key cannot be read")
    }
    let peerKey: Ed25519PublicKey
    do {
        peerKey = try Ed25519PublicKey(rawRepresentation: raw)
    } catch {
        return reject(.unsupportedPeerKey, "the peer's key is refused by Vouch's key policy: \(error)")
    }
    if let expected = record.expectedPeerKey, !ConstantTime.equals(expected.rawRepresentation, raw) {
        return reject(
            .peerKeyMismatch,
            "the peer's key \(Hex.encode(raw)) is not the expected \(Hex.encode(expected.rawRepresentation))"
        )
    }
    if record.isClient {
        let selected = VouchALPN.selectedProtocol(ssl)
        guard selected == VouchALPN.protocolName else {
            return reject(
                .alpnMismatch,
                "the server selected \(selected.map { "\"\($0)\"" } ?? "no application protocol"), not \(VouchALPN.protocolName)",
                x509Error: X509_V_ERR_APPLICATION_VERIFICATION
            )
        }
    }
    record.peerKey = peerKey
    return 1
}

/// The X.509 verification errors that say nothing about a Vouch peer: its certificate is its own
/// issuer, and its validity period is not trusted (Protocol/transport.md §2.1). OpenSSL reports
/// each one to the callback separately, so ignoring one does not hide another.
let ignoredVerificationErrors: Set<Int32> = [
    X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
    X509_V_ERR_CERT_NOT_YET_VALID,
    X509_V_ERR_CERT_HAS_EXPIRED,
    X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD,
    X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD,
]
