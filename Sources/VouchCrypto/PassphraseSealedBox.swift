internal import COpenSSL

/// Bytes sealed under a passphrase (a node backup): PBKDF2-HMAC-SHA256 turns the passphrase and
/// a random 16-byte salt into a 256-bit key, and AES-256-GCM with a random 96-bit nonce encrypts
/// and authenticates the bytes together with the caller's header (associated data). A wrong
/// passphrase, a changed header and a damaged byte all fail the same way, as a tag that does not
/// verify: nothing is decrypted that was not sealed with this passphrase, unchanged.
public enum PassphraseSealedBox {
    /// As for the key file (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
    public static let defaultIterations: UInt32 = 600_000
    /// What a reader accepts from a file's header: enough to mean something, few enough that a
    /// crafted file cannot keep the reader busy for minutes.
    public static let iterationRange: ClosedRange<UInt32> = 100_000...10_000_000
    public static let saltSize = 16
    public static let nonceSize = 12
    public static let tagSize = 16

    /// Encrypts `plaintext`; returns the ciphertext followed by the 16-byte tag.
    public static func seal(_ plaintext: [UInt8], passphrase: [UInt8], salt: [UInt8], nonce: [UInt8], iterations: UInt32,
                            associatedData: [UInt8]) throws -> [UInt8] {
        var key = try deriveKey(passphrase: passphrase, salt: salt, iterations: iterations, nonce: nonce)
        defer { key.cleanse() }
        return try run(encrypt: true, key: key, nonce: nonce, input: plaintext, tag: nil, associatedData: associatedData)
    }

    /// Decrypts what `seal` made (ciphertext and tag); `wrong-passphrase` when the tag does not verify.
    public static func open(_ sealed: [UInt8], passphrase: [UInt8], salt: [UInt8], nonce: [UInt8], iterations: UInt32,
                            associatedData: [UInt8]) throws -> [UInt8] {
        guard sealed.count >= tagSize else { throw CryptoError(.wrongPassphrase, "the sealed bytes are shorter than their tag") }
        guard iterationRange.contains(iterations) else {
            throw CryptoError(.invalidKey, "\(iterations) PBKDF2 iterations is outside \(iterationRange.lowerBound)…\(iterationRange.upperBound)")
        }
        var key = try deriveKey(passphrase: passphrase, salt: salt, iterations: iterations, nonce: nonce)
        defer { key.cleanse() }
        return try run(encrypt: false, key: key, nonce: nonce, input: Array(sealed.dropLast(tagSize)),
                       tag: Array(sealed.suffix(tagSize)), associatedData: associatedData)
    }

    private static func deriveKey(passphrase: [UInt8], salt: [UInt8], iterations: UInt32, nonce: [UInt8]) throws -> [UInt8] {
        guard salt.count == saltSize, nonce.count == nonceSize, !passphrase.isEmpty else {
            throw CryptoError(.invalidKey, "a sealed box needs a passphrase, a \(saltSize)-byte salt and a \(nonceSize)-byte nonce")
        }
        guard let rounds = Int32(exactly: iterations) else { throw CryptoError(.invalidKey, "too many iterations") }
        var key = [UInt8](repeating: 0, count: 32)
        OpenSSLErrorQueue.clear()
        let ok = passphrase.withUnsafeBufferPointer { pass in
            salt.withUnsafeBufferPointer { saltBytes in
                key.withUnsafeMutableBufferPointer { out in
                    PKCS5_PBKDF2_HMAC(UnsafeRawPointer(pass.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(pass.count),
                                      saltBytes.baseAddress, Int32(saltBytes.count), rounds, EVP_sha256(), 32, out.baseAddress)
                }
            }
        }
        guard ok == 1 else { throw CryptoError(.openssl, "PBKDF2 failed: \(OpenSSLErrorQueue.drain())") }
        return key
    }

    private static func run(encrypt: Bool, key: [UInt8], nonce: [UInt8], input: [UInt8], tag: [UInt8]?,
                            associatedData: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError(.openssl, "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard input.count < Int(Int32.max), associatedData.count < Int(Int32.max) else {
            throw CryptoError(.invalidKey, "more than 2 GiB cannot be sealed at once")
        }
        OpenSSLErrorQueue.clear()
        func check(_ result: Int32, _ what: String) throws {
            guard result == 1 else { throw CryptoError(.openssl, "\(what) failed: \(OpenSSLErrorQueue.drain())") }
        }
        let initialise = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        try check(initialise(context, EVP_aes_256_gcm(), nil, nil, nil), "AES-GCM setup")
        try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceSize), nil), "setting the nonce length")
        try check(initialise(context, nil, nil, key, nonce), "setting the key")
        let update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate
        var length: Int32 = 0
        if !associatedData.isEmpty {
            try check(update(context, nil, &length, associatedData, Int32(associatedData.count)), "authenticating the header")
        }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0
        if !input.isEmpty {
            try check(output.withUnsafeMutableBufferPointer { update(context, $0.baseAddress, &written, input, Int32(input.count)) },
                      encrypt ? "encrypting" : "decrypting")
        }
        if var tag {
            try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), &tag), "setting the tag")
        }
        var final: Int32 = 0
        let finished = output.withUnsafeMutableBufferPointer { buffer in
            encrypt ? EVP_EncryptFinal_ex(context, buffer.baseAddress! + Int(written), &final)
                    : EVP_DecryptFinal_ex(context, buffer.baseAddress! + Int(written), &final)
        }
        guard finished == 1 else {
            output.cleanse()
            OpenSSLErrorQueue.clear()
            throw CryptoError(.wrongPassphrase, "the passphrase is wrong, or the sealed bytes were changed or damaged")
        }
        output.removeSubrange(Int(written + final)...)
        if encrypt {
            var producedTag = [UInt8](repeating: 0, count: tagSize)
            try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), &producedTag), "reading the tag")
            output += producedTag
        }
        return output
    }
}
