import Testing
@testable import VouchCrypto

/// `Ed25519PublicKeyBuilder`: keys made by `EVP_PKEY_fromdata` on pooled contexts, the path every
/// `Ed25519PublicKey(rawRepresentation:)` (and so every document from a stranger) takes.
@Suite("Ed25519: public keys made on pooled key-manager contexts") struct Ed25519PublicKeyBuilderTests {
    /// Fresh keys, each new to the verifier: its own signature verifies, a changed signature, a
    /// changed message and another key's signature do not.
    @Test("fresh keys verify their own signatures and no other") func freshKeysVerifyTheirOwnSignaturesOnly() throws {
        let message: [UInt8] = Array("a profile document from a stranger".utf8)
        var previous: (key: Ed25519PublicKey, signature: [UInt8])?
        for _ in 0..<40 {
            let signer = try Ed25519PrivateKey()
            let signature = try signer.signature(for: message)
            let key = try Ed25519PublicKey(rawRepresentation: signer.publicKey.rawRepresentation)
            #expect(key.isValidSignature(signature, for: message))
            #expect(!key.isValidSignature(flippingBit(3, of: signature), for: message))
            #expect(!key.isValidSignature(signature, for: flippingBit(200, of: message)))
            if let previous {
                #expect(!key.isValidSignature(previous.signature, for: message))
                #expect(!previous.key.isValidSignature(signature, for: message))
            }
            previous = (key, signature)
        }
    }

    /// The `EVP_PKEY` holds exactly the bytes it was made from (and verifies the RFC's vectors).
    @Test("the EVP_PKEY holds the given bytes (RFC 8032 keys verify their vectors)") func theKeyHoldsTheGivenBytes() throws {
        for vector in rfc8032Vectors {
            let raw = hex(vector.publicKey)
            let key = try Ed25519PublicKey(rawRepresentation: raw)
            #expect(try key.key.rawPublicKey(length: Ed25519.publicKeyByteCount) == raw)
            #expect(key.isValidSignature(hex(vector.signature), for: hex(vector.message)))
        }
    }

    /// The private key's public half goes through the same builder and matches the RFC.
    @Test("a private key's public half matches RFC 8032") func privateKeysPublicHalfUsesTheBuilder() throws {
        for vector in rfc8032Vectors {
            let key = try Ed25519PrivateKey(seed: hex(vector.seed))
            #expect(key.publicKey.rawRepresentation == hex(vector.publicKey))
            #expect(try key.publicKey.key.rawPublicKey(length: Ed25519.publicKeyByteCount) == hex(vector.publicKey))
        }
    }

    /// Several tasks build keys and verify at once: every answer right, and the pool of idle
    /// contexts stays within its bound afterwards.
    @Test("twelve tasks make keys and verify at once; the pool stays bounded") func concurrentVerifiesFromSeveralTasks() async throws {
        struct Sample: Sendable {
            let raw: [UInt8]
            let message: [UInt8]
            let signature: [UInt8]
        }
        let samples = try (0..<64).map { index -> Sample in
            let signer = try Ed25519PrivateKey()
            let message: [UInt8] = Array("document \(index)".utf8)
            return Sample(raw: signer.publicKey.rawRepresentation, message: message, signature: try signer.signature(for: message))
        }
        let tasks = 12
        let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var wrong = 0
                    for round in 0..<4 {
                        for (index, sample) in samples.enumerated() {
                            let key = try Ed25519PublicKey(rawRepresentation: sample.raw)
                            if !key.isValidSignature(sample.signature, for: sample.message) { wrong += 1 }
                            // Another sample's signature must fail under this key.
                            let other = samples[(index + 1 + task + round) % samples.count]
                            if key.isValidSignature(other.signature, for: sample.message) { wrong += 1 }
                        }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(wrong == 0)
        #expect(Ed25519PublicKeyBuilder.pooledCount <= Ed25519PublicKeyBuilder.pooledLimit)
        #expect(Ed25519PublicKeyBuilder.pooledCount >= 1)
    }

    /// The key policy still runs before OpenSSL sees the bytes: small-order and non-canonical
    /// keys are refused with `.weakKey`, whatever the pool holds.
    @Test("the key policy still refuses weak keys first") func policyStillRefusesWeakKeys() throws {
        let identity = [UInt8(1)] + [UInt8](repeating: 0, count: 31)
        let yEqualsP = [UInt8(0xED)] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]
        let yEqualsPWithSign = [UInt8(0xED)] + [UInt8](repeating: 0xFF, count: 31)
        for raw in [identity, yEqualsP, yEqualsPWithSign] {
            #expect(throws: CryptoError.self) { try Ed25519PublicKey(rawRepresentation: raw) }
            do {
                _ = try Ed25519PublicKey(rawRepresentation: raw)
            } catch let error as CryptoError {
                #expect(error.code == .weakKey)
            }
        }
        // y = p - 1 is canonical and not of small order... except it is y = -1 (order 2): refused.
        let yEqualsPMinus1 = [UInt8(0xEC)] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(rawRepresentation: yEqualsPMinus1) }
        // y = p - 2 is canonical and (with either sign, if on the curve) not of small order: only
        // OpenSSL can refuse it, and then as `.invalidKey`, never `.weakKey`.
        let yEqualsPMinus2 = [UInt8(0xEB)] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]
        do {
            _ = try Ed25519PublicKey(rawRepresentation: yEqualsPMinus2)
        } catch let error as CryptoError {
            #expect(error.code != .weakKey)
        }
    }

    /// Verification clears the queue only after a failure; either way it leaves nothing behind
    /// that a later failure's message would wrongly include.
    @Test("verifying leaves the error queue empty, accepted or rejected") func verifyLeavesNoErrors() throws {
        let signer = try Ed25519PrivateKey()
        let message: [UInt8] = Array("queue".utf8)
        let signature = try signer.signature(for: message)
        let key = try Ed25519PublicKey(rawRepresentation: signer.publicKey.rawRepresentation)
        #expect(!key.isValidSignature(flippingBit(9, of: signature), for: message))
        #expect(OpenSSLErrorQueue.drain() == "no OpenSSL error recorded")
        #expect(key.isValidSignature(signature, for: message))
        #expect(OpenSSLErrorQueue.drain() == "no OpenSSL error recorded")
        let fresh = try Ed25519PublicKey(rawRepresentation: try Ed25519PrivateKey().publicKey.rawRepresentation)
        #expect(!fresh.isValidSignature(signature, for: message))
        #expect(OpenSSLErrorQueue.drain() == "no OpenSSL error recorded")
    }
}
