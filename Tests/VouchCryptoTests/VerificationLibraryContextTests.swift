import Testing
@testable import VouchCrypto

/// `VerificationLibraryContext`: public keys made from raw bytes live in a library context of
/// their own, with the `default` provider only and no configuration, and answer exactly as keys
/// in OpenSSL's default context do.
@Suite("Ed25519: the verification library context") struct VerificationLibraryContextTests {
    @Test("the context has exactly one provider, default") func onlyTheDefaultProvider() throws {
        #expect(try VerificationLibraryContext.providerNames() == ["default"])
    }

    @Test("keys made from raw bytes (and a private key's public half) belong to it, through the default provider")
    func rawKeysBelongToIt() throws {
        let context = try VerificationLibraryContext.pointer()
        for vector in rfc8032Vectors {
            let key = try Ed25519PublicKey(rawRepresentation: hex(vector.publicKey))
            #expect(key.key.libraryContext == context)
            #expect(key.key.providerName == "default")
            let privateKey = try Ed25519PrivateKey(seed: hex(vector.seed))
            #expect(privateKey.publicKey.key.libraryContext == context)
            // The private key itself (signing, TLS, certificates) stays in the default context.
            #expect(privateKey.key.libraryContext == nil)
        }
    }

    /// The same key made in each context (from a certificate: default; from its bytes: the
    /// verification context) accepts and refuses the same signatures: every RFC 8032 vector,
    /// and each with one bit of the signature or of the message changed.
    @Test("a key in the default context and the same key in the verification context give the same answers")
    func sameAnswersInBothContexts() throws {
        for vector in rfc8032Vectors {
            let privateKey = try Ed25519PrivateKey(seed: hex(vector.seed))
            let certificate = try SelfSignedCertificate(key: privateKey, commonName: "vouch")
            let inDefault = try SelfSignedCertificate.ed25519PublicKey(fromDER: certificate.der)
            let inVerification = try Ed25519PublicKey(rawRepresentation: hex(vector.publicKey))
            #expect(inDefault.key.libraryContext == nil)
            #expect(inVerification.key.libraryContext != nil)
            let message = hex(vector.message)
            let signature = hex(vector.signature)
            var cases = [(signature, message)]
            cases.append((flippingBit(5, of: signature), message))
            cases.append((flippingBit(300, of: signature), message))
            if !message.isEmpty { cases.append((signature, flippingBit(0, of: message))) }
            for (index, (sig, msg)) in cases.enumerated() {
                let expected = index == 0
                #expect(inDefault.isValidSignature(sig, for: msg) == expected)
                #expect(inVerification.isValidSignature(sig, for: msg) == expected)
            }
        }
    }

    @Test("weak keys are refused before any key is made in the context", arguments: [
        [UInt8(1)] + [UInt8](repeating: 0, count: 31),           // the identity point, order 1
        [UInt8](repeating: 0xFF, count: 31) + [0x7F],             // y = 2^255 - 1 ≥ p
    ])
    func weakKeysRefused(raw: [UInt8]) {
        do {
            _ = try Ed25519PublicKey(rawRepresentation: raw)
            Issue.record("a weak key was accepted")
        } catch let error as CryptoError {
            #expect(error.code == .weakKey)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
