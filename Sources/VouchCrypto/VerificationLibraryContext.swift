internal import COpenSSL

/// The OpenSSL library context in which Vouch makes the Ed25519 public keys it only verifies with
/// (`Ed25519PublicKey(rawRepresentation:)`: every signer of a document, every pinned peer).
///
/// Why not the default context: in OpenSSL 3.0 making a key and setting up its verification walk
/// the context's whole algorithm-name map twice (`EVP_PKEY_set_type_by_keymgmt`, then the
/// `EVP_PKEY_CTX` that `EVP_DigestVerifyInit` makes). Every fetch adds the names of all the
/// algorithms of its kind to the context's map; the default context's map grows with everything
/// the process fetches (TLS ciphers, digests, key exchange, random generators), this one only with
/// what making and verifying Ed25519 keys fetch. Per-key setup goes from 37,400 to 29,700 instructions, 2.9 to 2.3 µs
/// (Docs/benchmarks.md, "Ed25519 cold path"), paid for each document from a stranger.
///
/// What differs from the default context, and why that is sound here (Docs/architecture.md,
/// "OpenSSL library contexts"):
/// - No configuration file is loaded (`OSSL_LIB_CTX_new` reads none): `openssl.cnf` cannot add
///   providers, default properties or algorithm settings to it. Verifying an Ed25519 signature has
///   no parameters a configuration could choose, and Vouch's key policy is its own code.
/// - Exactly one provider, `default`, loaded explicitly (so OpenSSL's fallback loading plays no
///   part): the same implementation the default context uses for Ed25519.
/// - Made once, on first use (a Swift `static let` is initialised once, thread-safely), and never
///   freed: the keys made in it may live until the process ends, and freeing a library context
///   while other threads hold state in it is what OpenSSL warns against. A library context may be
///   used by several threads at once; only loading a configuration into it or freeing it may not,
///   and neither is done.
/// - Keys made here are for verifying only. TLS and certificates use the default context and the
///   private key's own `EVP_PKEY`; no key made here is handed to them (mixing contexts makes
///   OpenSSL export a key from one to the other), which is why `Ed25519PublicKey` exposes no
///   `EVP_PKEY`.
enum VerificationLibraryContext {
    /// `@unchecked Sendable`: the context is only read after it is made (see above).
    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private static let made: Result<Handle, CryptoError> = {
        OpenSSLErrorQueue.clear()
        guard let context = OSSL_LIB_CTX_new() else {
            return .failure(OpenSSLErrorQueue.failure("OSSL_LIB_CTX_new"))
        }
        // Kept loaded for the life of the process, like the context.
        guard OSSL_PROVIDER_load(context, "default") != nil else {
            let error = OpenSSLErrorQueue.failure("OSSL_PROVIDER_load(default)")
            OSSL_LIB_CTX_free(context)
            return .failure(error)
        }
        return .success(Handle(pointer: context))
    }()

    /// The context, or the error that kept it from being made (then no key can be made either).
    static func pointer() throws -> OpaquePointer {
        try made.get().pointer
    }

    /// The names of the providers loaded in the context (for the tests that hold it to `default` only).
    static func providerNames() throws -> [String] {
        var names: [String] = []
        let collect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { provider, names in
            guard let provider, let names, let name = OSSL_PROVIDER_get0_name(provider) else { return 0 }
            names.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
            return 1
        }
        let context = try pointer()
        guard withUnsafeMutablePointer(to: &names, { OSSL_PROVIDER_do_all(context, collect, $0) }) == 1 else {
            throw OpenSSLErrorQueue.failure("OSSL_PROVIDER_do_all")
        }
        return names
    }
}
