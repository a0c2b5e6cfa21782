internal import COpenSSL

/// Ed25519 (RFC 8032) through OpenSSL 3.
///
/// Policy on edge cases, the same on every path that accepts a key or a signature:
/// - Signatures: OpenSSL's verification is cofactorless and rejects a non-canonical `S` (S ≥ L)
///   and an `R` that does not re-encode to the same bytes. Vouch adds nothing and removes nothing.
/// - Public keys: a non-canonical encoding (y ≥ p) and any point of small order are refused when
///   the key is parsed (`CryptoError.Code.weakKey`). A small-order key lets anyone forge
///   signatures that verify for many messages, so no such key can become a node identity.
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let privateKeyByteCount = 32
    public static let signatureByteCount = 64
}

/// An Ed25519 public key that passed Vouch's key policy (see `Ed25519`).
public struct Ed25519PublicKey: Sendable, Hashable {
    public let rawRepresentation: [UInt8]
    let key: EVPKey

    public init(rawRepresentation bytes: some Collection<UInt8>) throws {
        let raw = Array(bytes)
        guard raw.count == Ed25519.publicKeyByteCount else {
            throw CryptoError(.invalidKey, "an Ed25519 public key is 32 bytes, got \(raw.count)")
        }
        if let reason = Ed25519KeyPolicy.rejection(raw) {
            throw CryptoError(.weakKey, "refused Ed25519 public key: \(reason)")
        }
        self.rawRepresentation = raw
        self.key = EVPKey(taking: try Ed25519PublicKeyBuilder.makeKey(raw), libraryContext: try VerificationLibraryContext.pointer())
    }

    /// Takes an `EVP_PKEY` that already holds an Ed25519 key (from a certificate or private key).
    init(taking pkey: OpaquePointer) throws {
        let key = EVPKey(taking: pkey)
        guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 else {
            throw CryptoError(.invalidKey, "the key is not an Ed25519 key")
        }
        let raw = try key.rawPublicKey(length: Ed25519.publicKeyByteCount)
        if let reason = Ed25519KeyPolicy.rejection(raw) {
            throw CryptoError(.weakKey, "refused Ed25519 public key: \(reason)")
        }
        self.rawRepresentation = raw
        self.key = key
    }

    /// True when `signature` is a valid RFC 8032 signature of `message` by this key.
    public func isValidSignature(_ signature: some Collection<UInt8>, for message: some Collection<UInt8>) -> Bool {
        let sig = Array(signature)
        guard sig.count == Ed25519.signatureByteCount else { return false }
        return key.verify(sig, message: Array(message))
    }

    /// Sets up what verifying with this key needs (OpenSSL's verification context) without
    /// verifying anything. Only for `vouch-bench ed25519`, which times the parts of a cold
    /// verification separately; the node never calls it.
    @_spi(Benchmarks) public func prepareVerificationForBenchmarks() -> Bool {
        key.prepareVerification()
    }

    public static func == (a: Self, b: Self) -> Bool { a.rawRepresentation == b.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}

/// An Ed25519 private key held by OpenSSL. The seed never leaves it except through the key file.
public struct Ed25519PrivateKey: Sendable {
    let key: EVPKey
    public let publicKey: Ed25519PublicKey

    /// A new random key.
    public init() throws {
        OpenSSLErrorQueue.clear()
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_CTX_new_id")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &pkey) == 1, let pkey else {
            throw OpenSSLErrorQueue.failure("Ed25519 key generation")
        }
        try self.init(taking: pkey)
    }

    /// The key for a 32-byte RFC 8032 seed (test vectors and deterministic fixtures).
    public init(seed: some Collection<UInt8>) throws {
        var raw = Array(seed)
        defer { raw.cleanse() }
        guard raw.count == Ed25519.privateKeyByteCount else {
            throw CryptoError(.invalidKey, "an Ed25519 seed is 32 bytes, got \(raw.count)")
        }
        OpenSSLErrorQueue.clear()
        guard let pkey = raw.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
        }) else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_new_raw_private_key")
        }
        try self.init(taking: pkey)
    }

    /// Takes ownership of an `EVP_PKEY` holding an Ed25519 private key.
    init(taking pkey: OpaquePointer) throws {
        guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(pkey)
            throw CryptoError(.invalidKey, "the key is not an Ed25519 key")
        }
        self.key = EVPKey(taking: pkey)
        self.publicKey = try Ed25519PublicKey(rawRepresentation: key.rawPublicKey(length: Ed25519.publicKeyByteCount))
    }

    public func signature(for message: some Collection<UInt8>) throws -> [UInt8] {
        try key.sign(Array(message), signatureLength: Ed25519.signatureByteCount)
    }

    /// The `EVP_PKEY`, for the TLS layer and the certificate builder.
    package var evpKey: OpaquePointer { key.pointer }
}
