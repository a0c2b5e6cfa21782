internal import COpenSSL

/// X25519 (RFC 7748) key agreement, for the private set intersection used by mutual-connection
/// queries. Shared secrets that come out all zero (a small-order peer key) are refused.
public enum X25519 {
    public static let keyByteCount = 32
}

public struct X25519PublicKey: Sendable, Hashable {
    public let rawRepresentation: [UInt8]

    public init(rawRepresentation bytes: some Collection<UInt8>) throws {
        let raw = Array(bytes)
        guard raw.count == X25519.keyByteCount else {
            throw CryptoError(.invalidKey, "an X25519 public key is 32 bytes, got \(raw.count)")
        }
        self.rawRepresentation = raw
    }
}

public struct X25519PrivateKey: Sendable {
    let key: EVPKey
    public let publicKey: X25519PublicKey

    public init() throws {
        OpenSSLErrorQueue.clear()
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nil) else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_CTX_new_id")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &pkey) == 1, let pkey else {
            throw OpenSSLErrorQueue.failure("X25519 key generation")
        }
        try self.init(taking: pkey)
    }

    public init(rawRepresentation bytes: some Collection<UInt8>) throws {
        var raw = Array(bytes)
        defer { raw.cleanse() }
        guard raw.count == X25519.keyByteCount else {
            throw CryptoError(.invalidKey, "an X25519 private key is 32 bytes, got \(raw.count)")
        }
        OpenSSLErrorQueue.clear()
        guard let pkey = raw.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, $0.count)
        }) else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_new_raw_private_key")
        }
        try self.init(taking: pkey)
    }

    private init(taking pkey: OpaquePointer) throws {
        key = EVPKey(taking: pkey)
        publicKey = try X25519PublicKey(rawRepresentation: key.rawPublicKey(length: X25519.keyByteCount))
    }

    /// The private key's bytes; the caller cleanses them after use.
    public var rawRepresentation: [UInt8] {
        get throws { try key.rawPrivateKey(length: X25519.keyByteCount) }
    }

    /// The shared secret with `peer`. Throws `weakKey` if the result is all zero. The caller
    /// cleanses it (`cleanse()`) once it has derived what it needs from it.
    public func sharedSecret(with peer: X25519PublicKey) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let peerKey = peer.rawRepresentation.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, $0.count)
        }) else {
            throw CryptoError(.invalidKey, "OpenSSL refused the X25519 public key: \(OpenSSLErrorQueue.drain())")
        }
        defer { EVP_PKEY_free(peerKey) }
        guard let ctx = EVP_PKEY_CTX_new(key.pointer, nil) else { throw OpenSSLErrorQueue.failure("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var secret = [UInt8](repeating: 0, count: X25519.keyByteCount)
        var length = secret.count
        guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peerKey) == 1 else {
            throw OpenSSLErrorQueue.failure("X25519 derive setup")
        }
        guard EVP_PKEY_derive(ctx, &secret, &length) == 1, length == X25519.keyByteCount else {
            secret.cleanse()
            // OpenSSL itself refuses an all-zero result (small-order peer key).
            throw CryptoError(.weakKey, "X25519 with this peer key gives no shared secret: \(OpenSSLErrorQueue.drain())")
        }
        guard secret.contains(where: { $0 != 0 }) else {
            throw CryptoError(.weakKey, "X25519 peer key has small order")
        }
        return secret
    }
}
