internal import COpenSSL
import Synchronization

/// Owns one `EVP_PKEY` and the `EVP_MD_CTX` used to sign or verify with it.
///
/// Setting up a signing context (`EVP_DigestSignInit`) costs about as much as an Ed25519
/// signature itself in OpenSSL 3, because it fetches the provider's implementation. OpenSSL
/// allows repeating the one-shot `EVP_DigestSign`/`EVP_DigestVerify` on an initialised context,
/// so each key keeps one of each, behind a mutex because a context is not thread-safe.
///
/// `@unchecked Sendable`: the `EVP_PKEY` is immutable after creation (OpenSSL documents it as
/// safe to share between threads) and the contexts are only touched while holding `contexts`.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The library context the key was made in, where its verification is set up: nil for the
    /// default context, or `VerificationLibraryContext` for keys made by `Ed25519PublicKeyBuilder`.
    /// (Setting up a key's verification in another context than its own makes OpenSSL export it.)
    let libraryContext: OpaquePointer?
    private let contexts = PThreadLocked<Contexts>(Contexts())

    private struct Contexts: ~Copyable {
        var sign: OpaquePointer?
        var verify: OpaquePointer?
        deinit {
            EVP_MD_CTX_free(sign)
            EVP_MD_CTX_free(verify)
        }
    }

    /// Takes ownership of `pointer`, a key made in `libraryContext` (nil: OpenSSL's default).
    init(taking pointer: OpaquePointer, libraryContext: OpaquePointer? = nil) {
        self.pointer = pointer
        self.libraryContext = libraryContext
    }

    deinit { EVP_PKEY_free(pointer) }

    /// The name of the provider whose key manager holds the key (for tests: always `default`).
    var providerName: String? {
        EVP_PKEY_get0_provider(pointer).flatMap { OSSL_PROVIDER_get0_name($0) }.map { String(cString: $0) }
    }

    func rawPublicKey(length: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var len = length
        OpenSSLErrorQueue.clear()
        guard EVP_PKEY_get_raw_public_key(pointer, &out, &len) == 1, len == length else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_get_raw_public_key")
        }
        return out
    }

    func rawPrivateKey(length: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var len = length
        OpenSSLErrorQueue.clear()
        guard EVP_PKEY_get_raw_private_key(pointer, &out, &len) == 1, len == length else {
            throw OpenSSLErrorQueue.failure("EVP_PKEY_get_raw_private_key")
        }
        return out
    }

    /// A one-shot signature (Ed25519 takes the whole message, no digest).
    func sign(_ message: [UInt8], signatureLength: Int) throws -> [UInt8] {
        try contexts.withLock { ctx in
            OpenSSLErrorQueue.clear()
            if ctx.sign == nil {
                guard let md = EVP_MD_CTX_new() else { throw OpenSSLErrorQueue.failure("EVP_MD_CTX_new") }
                guard EVP_DigestSignInit(md, nil, nil, nil, pointer) == 1 else {
                    EVP_MD_CTX_free(md)
                    throw OpenSSLErrorQueue.failure("EVP_DigestSignInit")
                }
                ctx.sign = md
            }
            var signature = [UInt8](repeating: 0, count: signatureLength)
            var length = signatureLength
            let ok = message.withUnsafeBufferPointer { msg in
                EVP_DigestSign(ctx.sign, &signature, &length, msg.baseAddress, msg.count)
            }
            guard ok == 1, length == signatureLength else {
                // Drop the context: a failed call may leave it unusable.
                EVP_MD_CTX_free(ctx.sign)
                ctx.sign = nil
                throw OpenSSLErrorQueue.failure("EVP_DigestSign")
            }
            return signature
        }
    }

    /// A one-shot verification. Returns false for any failure, including malformed input.
    ///
    /// The error queue is cleared only after a failure: the answer is a Bool and no message is
    /// read from the queue, so entries left by someone else cannot change it, and a successful
    /// call leaves none. (Each `ERR_clear_error` costs about 90 ns, paid on every document.)
    func verify(_ signature: [UInt8], message: [UInt8]) -> Bool {
        contexts.withLock { ctx in
            guard let verifier = verifyContext(&ctx) else { return false }
            let result = signature.withUnsafeBufferPointer { sig in
                message.withUnsafeBufferPointer { msg in
                    EVP_DigestVerify(verifier, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
                }
            }
            guard result == 1 else {
                // A rejected signature leaves an entry on the error queue; it is not an error here.
                OpenSSLErrorQueue.clear()
                return false
            }
            return true
        }
    }

    /// Sets up the verification context without verifying; false if OpenSSL refused. For the
    /// benchmark that splits a cold verification into its parts (`vouch-bench ed25519`).
    func prepareVerification() -> Bool {
        contexts.withLock { verifyContext(&$0) != nil }
    }

    /// The key's `EVP_MD_CTX` for verifying, made on first use (`EVP_DigestVerifyInit_ex` in the
    /// key's library context, which fetches the signature implementation), or nil if OpenSSL refused.
    private func verifyContext(_ ctx: inout Contexts) -> OpaquePointer? {
        if let verify = ctx.verify { return verify }
        guard let md = EVP_MD_CTX_new() else { return nil }
        guard EVP_DigestVerifyInit_ex(md, nil, nil, libraryContext, nil, pointer, nil) == 1 else {
            EVP_MD_CTX_free(md)
            OpenSSLErrorQueue.clear()
            return nil
        }
        ctx.verify = md
        return md
    }
}
