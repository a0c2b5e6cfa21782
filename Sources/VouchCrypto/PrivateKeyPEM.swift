internal import COpenSSL

/// The identity key file format: PKCS#8 in PEM, as `openssl pkey` reads and writes it.
///
/// With a passphrase the key is wrapped in PBES2: PBKDF2-HMAC-SHA256 with `pbkdf2Iterations`
/// and AES-256-CBC (RFC 8018), the `ENCRYPTED PRIVATE KEY` form. The iteration count follows
/// OWASP's 2023 advice for PBKDF2-SHA256; it makes each unlock take a fraction of a second.
extension Ed25519PrivateKey {
    public static let pbkdf2Iterations = 600_000

    /// The key as PKCS#8 PEM text; encrypted when `passphrase` is given. OpenSSL's buffer is
    /// secure memory, cleansed when freed; the returned text is the caller's to keep safe.
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
    /// The copies it makes of the key (the PEM bytes, the DER inside) are cleansed before it returns.
    public init(pkcs8PEM pem: some Collection<UInt8>, passphrase: [UInt8]?) throws {
        var bytes = Array(pem)
        defer { bytes.cleanse() }
        // Searched as bytes: a `String` copy of the key could not be cleansed.
        let encrypted = Self.contains(bytes, "-----BEGIN ENCRYPTED PRIVATE KEY-----")
        guard encrypted || Self.contains(bytes, "-----BEGIN PRIVATE KEY-----") else {
            throw CryptoError(.keyFileCorrupt, "not a PEM private key (no BEGIN PRIVATE KEY line)")
        }
        if encrypted && passphrase == nil {
            throw CryptoError(.passphraseRequired, "the key file is encrypted and no passphrase was given")
        }
        // Decoded step by step, not with `PEM_read_bio_PrivateKey`, so that each failure has
        // one cause: the PEM or DER around the key is damaged (keyFileCorrupt), or decryption ran
        // and its result was not a key (wrongPassphrase). CBC has no MAC, so a damaged ciphertext
        // is indistinguishable from a wrong passphrase and is reported as one.
        var der = try Self.pemBody(bytes, label: encrypted ? "ENCRYPTED PRIVATE KEY" : "PRIVATE KEY")
        defer { der.cleanse() }
        let info = try encrypted ? Self.decryptPKCS8(der, passphrase: passphrase ?? []) : Self.parsePKCS8(der)
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        OpenSSLErrorQueue.clear()
        guard let pkey = EVP_PKCS82PKEY(info) else {
            throw CryptoError(.keyFileCorrupt, "the key file holds no key OpenSSL can read: \(OpenSSLErrorQueue.drain())")
        }
        guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(pkey)
            throw CryptoError(.invalidKey, "the key file holds a key that is not Ed25519")
        }
        try self.init(taking: pkey)
    }

    /// The DER inside the first PEM block labelled `label`.
    private static func pemBody(_ pem: [UInt8], label: String) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard pem.count <= Int32.max, let bio = pem.withUnsafeBufferPointer({
            BIO_new_mem_buf($0.baseAddress, Int32($0.count))
        }) else {
            throw OpenSSLErrorQueue.failure("BIO_new_mem_buf")
        }
        defer { BIO_free(bio) }
        var data: UnsafeMutablePointer<UInt8>?
        var length = 0
        // A PKCS#8 block has no encryption headers; should one appear anyway, the callback
        // refuses at once rather than let OpenSSL prompt on a terminal.
        guard PEM_bytes_read_bio(&data, &length, nil, label, bio, { _, _, _, _ in -1 }, nil) == 1, let data else {
            throw CryptoError(.keyFileCorrupt, "the key file's PEM cannot be read: \(OpenSSLErrorQueue.drain())")
        }
        defer { vouch_OPENSSL_clear_free(data, length) }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    private static func contains(_ bytes: [UInt8], _ marker: String) -> Bool {
        let needle = Array(marker.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { start in bytes[start..<(start + needle.count)].elementsEqual(needle) }
    }

    /// An unencrypted PKCS#8 `PrivateKeyInfo`; the caller frees it.
    private static func parsePKCS8(_ der: [UInt8]) throws -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        let info: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            let info = d2i_PKCS8_PRIV_KEY_INFO(nil, &p, buf.count)
            guard p == buf.baseAddress.map({ $0 + buf.count }) else {  // trailing bytes: damaged
                PKCS8_PRIV_KEY_INFO_free(info)
                return nil
            }
            return info
        }
        guard let info else {
            throw CryptoError(.keyFileCorrupt, "the key file is not PKCS#8: \(OpenSSLErrorQueue.drain())")
        }
        return info
    }

    /// Decrypts an `EncryptedPrivateKeyInfo`; the caller frees the result.
    private static func decryptPKCS8(_ der: [UInt8], passphrase: [UInt8]) throws -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        let sig: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            let sig = d2i_X509_SIG(nil, &p, buf.count)
            guard p == buf.baseAddress.map({ $0 + buf.count }) else {
                X509_SIG_free(sig)
                return nil
            }
            return sig
        }
        guard let sig else {
            throw CryptoError(.keyFileCorrupt, "the encrypted key file is not PKCS#8: \(OpenSSLErrorQueue.drain())")
        }
        defer { X509_SIG_free(sig) }
        guard passphrase.count <= Int32.max else { throw CryptoError(.wrongPassphrase, "the passphrase is too long") }
        OpenSSLErrorQueue.clear()
        let info = passphrase.withUnsafeBufferPointer { pass in
            PKCS8_decrypt(sig, UnsafeRawPointer(pass.baseAddress)?.assumingMemoryBound(to: CChar.self), Int32(pass.count))
        }
        if let info { return info }
        // Decryption ran: the padding was wrong, or the plaintext was no PrivateKeyInfo.
        var decrypted = false
        while case let code = ERR_get_error(), code != 0 {
            if ERR_GET_LIB(code) == ERR_LIB_PKCS12,
               [PKCS12_R_PKCS12_CIPHERFINAL_ERROR, PKCS12_R_DECODE_ERROR].contains(ERR_GET_REASON(code)) {
                decrypted = true
            }
        }
        if decrypted { throw CryptoError(.wrongPassphrase, "the passphrase does not decrypt the key file") }
        throw CryptoError(.keyFileCorrupt, "the key file's encryption parameters cannot be used")
    }
}
