internal import COpenSSL

/// The identity key file format: PKCS#8 in PEM, as `openssl pkey` reads and writes it.
///
/// With a passphrase the key is wrapped in PBES2: PBKDF2-HMAC-SHA256 with `pbkdf2Iterations`
/// and AES-256-CBC (RFC 8018), the `ENCRYPTED PRIVATE KEY` form. The iteration count follows
/// OWASP's 2023 advice for PBKDF2-SHA256; it makes each unlock take a fraction of a second.
extension Ed25519PrivateKey {
    public static let pbkdf2Iterations = 600_000

    /// The key as PKCS#8 PEM text; encrypted when `passphrase` is given.
    public func pkcs8PEM(passphrase: [UInt8]? = nil) throws -> String {
        OpenSSLErrorQueue.clear()
        let pass = passphrase ?? []
        guard let bio = pass.withUnsafeBufferPointer({
            vouch_write_private_key_pem(key.pointer, $0.baseAddress, $0.count,
                                        passphrase == nil ? 0 : 1, Int32(Self.pbkdf2Iterations))
        }) else {
            throw OpenSSLErrorQueue.failure("writing the private key")
        }
        defer { BIO_free(bio) }
        var data: UnsafeMutablePointer<CChar>?
        let length = vouch_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { throw OpenSSLErrorQueue.failure("reading the PEM buffer") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// Reads a key written by `pkcs8PEM` (or by `openssl genpkey -algorithm ed25519`).
    public init(pkcs8PEM pem: some Collection<UInt8>, passphrase: [UInt8]?) throws {
        let bytes = Array(pem)
        let text = String(decoding: bytes, as: UTF8.self)
        let encrypted = text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        guard encrypted || text.contains("-----BEGIN PRIVATE KEY-----") else {
            throw CryptoError(.keyFileCorrupt, "not a PEM private key (no BEGIN PRIVATE KEY line)")
        }
        if encrypted && passphrase == nil {
            throw CryptoError(.passphraseRequired, "the key file is encrypted and no passphrase was given")
        }
        OpenSSLErrorQueue.clear()
        let pass = passphrase ?? []
        let pkey = bytes.withUnsafeBufferPointer { pemBuf in
            pass.withUnsafeBufferPointer { passBuf in
                vouch_read_private_key_pem(pemBuf.baseAddress, pemBuf.count, passBuf.baseAddress, passBuf.count,
                                           passphrase == nil ? 0 : 1)
            }
        }
        guard let pkey else {
            let detail = OpenSSLErrorQueue.drain()
            // A wrong passphrase decrypts to garbage: the padding check or the ASN.1 parse that
            // follows fails. A damaged file fails in the PEM/base64 layer before decryption.
            if encrypted && (detail.contains("bad decrypt") || detail.contains("decrypt")
                || detail.contains("ASN1") || detail.contains("asn1")) && !detail.contains("bad base64") {
                throw CryptoError(.wrongPassphrase, "the passphrase does not decrypt the key file")
            }
            throw CryptoError(.keyFileCorrupt, "the key file cannot be read: \(detail)")
        }
        guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(pkey)
            throw CryptoError(.invalidKey, "the key file holds a key that is not Ed25519")
        }
        try self.init(taking: pkey)
    }
}
