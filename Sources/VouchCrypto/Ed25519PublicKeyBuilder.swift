internal import COpenSSL

/// Makes the `EVP_PKEY` for a raw Ed25519 public key on a key-manager context set up once.
///
/// Why not `EVP_PKEY_new_raw_public_key`: in OpenSSL 3.0 it creates an `EVP_PKEY_CTX` by name on
/// every call (fetching the key manager from the provider's method store and walking the whole
/// name map to find the legacy key type), then imports the 32 bytes with `EVP_PKEY_fromdata` and
/// frees the context. A node verifies most documents with a key it has never seen, so that setup
/// was paid per document: 16,000 of the 32,000 instructions of building a key, 1.3 of its 2.5 µs
/// (Docs/benchmarks.md, "Ed25519 cold path"). Here the context is made once
/// (`EVP_PKEY_CTX_new_from_name` + `EVP_PKEY_fromdata_init`) and each key is only the import.
/// The key is the same as before: same provider, same key manager, same checks. The contexts,
/// and so the keys, belong to `VerificationLibraryContext`, not to OpenSSL's default context.
///
/// An `EVP_PKEY_CTX` must not be used by two threads at once (OpenSSL shares only objects it
/// documents as thread-safe, such as a finished `EVP_PKEY`), so contexts are lent out, one per
/// call, from a small pool: a caller takes one, or makes one when the pool is empty, and gives it
/// back. At most `pooledLimit` wait in the pool, whatever the number of threads, and a context
/// that saw a failure is freed rather than given back.
enum Ed25519PublicKeyBuilder {
    /// How many idle contexts the pool keeps (one per thread that verifies at the same moment).
    static let pooledLimit = 8

    /// An `EVP_PKEY_CTX` ready for `EVP_PKEY_fromdata`. `@unchecked Sendable`: it moves between
    /// threads only through the pool's mutex, and only one caller holds it at a time.
    private struct Context: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private static let pool = PThreadLocked<[Context]>([])

    /// A new `EVP_PKEY` holding the 32 bytes `raw`, owned by the caller. Vouch's key policy is the
    /// caller's to check first (`Ed25519PublicKey`); OpenSSL checks only the length here.
    static func makeKey(_ raw: [UInt8]) throws -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        let context = try take()
        guard let pkey = raw.withUnsafeBufferPointer({
            vouch_EVP_PKEY_fromdata_public_key(context.pointer, $0.baseAddress, $0.count)
        }) else {
            EVP_PKEY_CTX_free(context.pointer)
            throw CryptoError(.invalidKey, "OpenSSL refused the Ed25519 public key: \(OpenSSLErrorQueue.drain())")
        }
        giveBack(context)
        return pkey
    }

    /// How many contexts wait in the pool now (for tests of its bound).
    static var pooledCount: Int { pool.withLock { $0.count } }

    private static func take() throws -> Context {
        if let pooled = pool.withLock({ $0.popLast() }) { return pooled }
        guard let pointer = EVP_PKEY_CTX_new_from_name(try VerificationLibraryContext.pointer(), "ED25519", nil) else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_CTX_new_from_name(ED25519)")
        }
        guard EVP_PKEY_fromdata_init(pointer) == 1 else {
            EVP_PKEY_CTX_free(pointer)
            throw OpenSSLErrorQueue.failure("EVP_PKEY_fromdata_init")
        }
        return Context(pointer: pointer)
    }

    private static func giveBack(_ context: Context) {
        let kept = pool.withLock { pool -> Bool in
            guard pool.count < pooledLimit else { return false }
            pool.append(context)
            return true
        }
        if !kept { EVP_PKEY_CTX_free(context.pointer) }
    }
}
