internal import COpenSSL

/// The self-signed X.509 certificate a node presents in TLS: it carries the node's Ed25519
/// identity key and is signed by it. Nothing in it but the key is trusted; peers pin the key.
public struct SelfSignedCertificate: Sendable {
    /// DER bytes of the certificate.
    public let der: [UInt8]

    /// Makes a certificate for `key` with subject and issuer CN = `commonName`, serial from
    /// 16 random bytes, valid from one hour ago (clock skew) for `validityDays` from now.
    public init(key: Ed25519PrivateKey, commonName: String, validityDays: Int = 36500) throws {
        try self.init(key: key, commonName: commonName,
                      notBeforeSecondsFromNow: -3600, notAfterSecondsFromNow: validityDays * 86_400)
    }

    /// Makes a certificate whose validity period is chosen freely, relative to now (negative:
    /// in the past). Tests use it to show that peers ignore the validity period
    /// (Protocol/transport.md §2.1): an expired certificate, or one not valid yet.
    package init(key: Ed25519PrivateKey, commonName: String, notBeforeSecondsFromNow: Int, notAfterSecondsFromNow: Int) throws {
        OpenSSLErrorQueue.clear()
        guard let x509 = X509_new() else { throw OpenSSLErrorQueue.failure("X509_new") }
        defer { X509_free(x509) }
        guard X509_set_version(x509, 2) == 1 else { throw OpenSSLErrorQueue.failure("X509_set_version") }

        var serialBytes = SecureRandom.bytes(16)
        serialBytes[0] &= 0x7F  // a positive INTEGER
        guard let serial = serialBytes.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
            throw OpenSSLErrorQueue.failure("BN_bin2bn")
        }
        defer { BN_free(serial) }
        guard BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) != nil else {
            throw OpenSSLErrorQueue.failure("setting the serial number")
        }
        guard X509_gmtime_adj(X509_getm_notBefore(x509), notBeforeSecondsFromNow) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), notAfterSecondsFromNow) != nil else {
            throw OpenSSLErrorQueue.failure("setting the validity")
        }
        guard let name = X509_NAME_new() else { throw OpenSSLErrorQueue.failure("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        let cn = Array(commonName.utf8)
        guard cn.withUnsafeBufferPointer({
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, $0.baseAddress, Int32($0.count), -1, 0)
        }) == 1,
              X509_set_subject_name(x509, name) == 1,
              X509_set_issuer_name(x509, name) == 1,
              X509_set_pubkey(x509, key.evpKey) == 1 else {
            throw OpenSSLErrorQueue.failure("filling in the certificate")
        }
        // Ed25519 signs without a separate digest: the digest argument is NULL.
        guard X509_sign(x509, key.evpKey, nil) > 0 else { throw OpenSSLErrorQueue.failure("X509_sign") }

        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(x509, &out)
        guard length > 0, let out else { throw OpenSSLErrorQueue.failure("i2d_X509") }
        defer { vouch_OPENSSL_free(out) }
        der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    public init(der: [UInt8]) { self.der = der }

    /// The certificate as PEM text (for `openssl s_client -cert`).
    public var pem: String {
        let b64 = Base64.encode(der)
        var lines = ["-----BEGIN CERTIFICATE-----"]
        var index = b64.startIndex
        while index < b64.endIndex {
            let end = b64.index(index, offsetBy: 64, limitedBy: b64.endIndex) ?? b64.endIndex
            lines.append(String(b64[index..<end]))
            index = end
        }
        lines.append("-----END CERTIFICATE-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The Ed25519 public key in a DER certificate, checked against Vouch's key policy.
    /// Throws `invalidCertificate` if it cannot be parsed or holds another kind of key.
    public static func ed25519PublicKey(fromDER der: [UInt8]) throws -> Ed25519PublicKey {
        OpenSSLErrorQueue.clear()
        let x509: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            return d2i_X509(nil, &p, buf.count)
        }
        guard let x509 else {
            throw CryptoError(.invalidCertificate, "the certificate cannot be parsed: \(OpenSSLErrorQueue.drain())")
        }
        defer { X509_free(x509) }
        guard let pkey = X509_get_pubkey(x509) else {
            throw CryptoError(.invalidCertificate, "the certificate has no readable public key")
        }
        guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(pkey)
            throw CryptoError(.invalidCertificate, "the certificate key is not Ed25519")
        }
        return try Ed25519PublicKey(taking: pkey)
    }
}
