import Foundation
@_spi(Benchmarks) import VouchCrypto
import VouchProtocol

/// `vouch-bench ed25519`: Ed25519 signs and verifies per second through VouchCrypto's wrappers,
/// next to `openssl speed ed25519` run in the same invocation.
///
/// It measures what `openssl speed` measures in OpenSSL 3.0: one thread, one key, a 20-byte
/// message, one-shot `EVP_DigestSign`/`EVP_DigestVerify` on a context set up once. Our side goes
/// through `Ed25519PrivateKey.signature(for:)` and `Ed25519PublicKey.isValidSignature(_:for:)`,
/// so the figure includes what the wrappers add: the lock, the copies into arrays, the checks.
/// Rates are per second of CPU time on both sides, because that is what `openssl speed` reports
/// unless given `-elapsed`; our wall-clock rate is printed too.
///
/// The cold path. A node verifies most documents with a key it has never seen (a card or, later,
/// an invitation signed by a stranger): `SignedEnvelope(verifying:)` parses the envelope, builds
/// an `Ed25519PublicKey` from the signer's 32 bytes (key policy, then `EVP_PKEY_fromdata` on a
/// pooled key-manager context) and verifies through a fresh `EVP_MD_CTX` (`EVP_DigestVerifyInit`,
/// then `EVP_DigestVerify`), all freed afterwards. That row verifies `--signers` (default 1,000) profile documents, each by
/// its own key, in turn; nothing caches keys by signer, and the pool makes sure a future cache
/// would not turn the figure warm. Its signed input is the document's signature input (about 120
/// bytes) rather than 20 bytes; SHA-512 over the extra 100 bytes costs well under 1 % of a verify.
/// A floor for any verifier of distinct documents: the same 1,000 documents verified with keys
/// built beforehand (each keeps its verification context), so no per-key setup is left; what it
/// adds over `openssl speed`, which verifies one signature again and again, is the cost of
/// distinct signatures and keys (a longer message, data-dependent branches in the variable-time
/// scalar multiplication, other memory). Three more rows split the cold cost: building the key then verifying (no envelope parsing),
/// building the key and its verification context without verifying, and building the key alone.
/// Differences between rows give each part: envelope parsing, `EVP_DigestVerify` on a new key,
/// `EVP_DigestVerifyInit`, the key.
enum Ed25519Benchmark {
    static let benchmark = Benchmark(
        name: "ed25519",
        summary: "Ed25519 sign and verify per second, ours beside openssl speed",
        run: run
    )

    /// The message length `openssl speed` signs (`EdDSA_sign_loop` in apps/speed.c, 3.0).
    static let messageLength = 20
    /// The ratio to OpenSSL we aim for.
    static let goal = 0.9

    static func run(_ arguments: [String]) throws -> Int32 {
        var signers = 1000
        var rest: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--signers" {
                signers = try BenchOptions.positiveNumber(after: argument, in: &iterator)
            } else {
                rest.append(argument)
            }
        }
        let options = try BenchOptions(parsing: rest)
        let documents = try coldDocuments(signers)
        let knownKeys = try documents.map { try Ed25519PublicKey(rawRepresentation: $0.signer) }
        let key = try Ed25519PrivateKey()
        let publicKey = key.publicKey
        let message = SecureRandom.bytes(messageLength)
        let signature = try key.signature(for: message)
        guard publicKey.isValidSignature(signature, for: message) else {
            throw BenchOptions.UsageError(description: "the benchmark key does not verify its own signature")
        }

        let rounds = options.rounds == 1 ? "" : ", best of \(options.rounds) rounds"
        print("Ed25519, \(messageLength)-byte message, one thread, \(options.seconds) s per measurement\(rounds)")
        var sink = 0  // keeps the optimiser from dropping the work
        var failures = 0
        var ourSign = Rate(perCPUSecond: 0, perWallSecond: 0), ourVerify = ourSign
        var cold = ourSign, keyOnly = ourSign, keyAndVerify = ourSign, keyAndContext = ourSign, warmDistinct = ourSign
        var openssl = (sign: 0.0, verify: 0.0)
        func best(_ a: Rate, _ b: Rate) -> Rate { b.perCPUSecond > a.perCPUSecond ? b : a }
        for _ in 0..<options.rounds {
            let sign = try measureRate(for: options.seconds) {
                sink &+= Int(try key.signature(for: message)[0])
            }
            let verify = measureRate(for: options.seconds) {
                if !publicKey.isValidSignature(signature, for: message) { failures += 1 }
            }
            var next = 0
            let envelope = try measureRate(for: options.seconds) {
                let document = documents[next]
                next = next + 1 == documents.count ? 0 : next + 1
                sink &+= Int(try SignedEnvelope(verifying: document.encoded).signature[0])
            }
            let construct = try measureRate(for: options.seconds) {
                let document = documents[next]
                next = next + 1 == documents.count ? 0 : next + 1
                sink &+= Int(try Ed25519PublicKey(rawRepresentation: document.signer).rawRepresentation[0])
            }
            let constructAndVerify = try measureRate(for: options.seconds) {
                let document = documents[next]
                next = next + 1 == documents.count ? 0 : next + 1
                if !(try Ed25519PublicKey(rawRepresentation: document.signer).isValidSignature(document.signature, for: document.input)) {
                    failures += 1
                }
            }
            let constructAndPrepare = try measureRate(for: options.seconds) {
                let document = documents[next]
                next = next + 1 == documents.count ? 0 : next + 1
                if !(try Ed25519PublicKey(rawRepresentation: document.signer).prepareVerificationForBenchmarks()) {
                    failures += 1
                }
            }
            let known = measureRate(for: options.seconds) {
                let index = next
                next = next + 1 == documents.count ? 0 : next + 1
                if !knownKeys[index].isValidSignature(documents[index].signature, for: documents[index].input) { failures += 1 }
            }
            let theirs = try OpenSSLSpeed.ed25519(seconds: options.seconds)
            ourSign = best(ourSign, sign)
            ourVerify = best(ourVerify, verify)
            cold = best(cold, envelope)
            keyOnly = best(keyOnly, construct)
            keyAndVerify = best(keyAndVerify, constructAndVerify)
            keyAndContext = best(keyAndContext, constructAndPrepare)
            warmDistinct = best(warmDistinct, known)
            openssl = (max(openssl.sign, theirs.sign), max(openssl.verify, theirs.verify))
        }
        guard failures == 0 else {
            throw BenchOptions.UsageError(description: "\(failures) verifications failed during the run")
        }

        // Both sides per second of CPU time, as openssl speed counts without -elapsed.
        let signRatio = ourSign.perCPUSecond / openssl.sign, verifyRatio = ourVerify.perCPUSecond / openssl.verify
        let coldRatio = cold.perCPUSecond / openssl.verify
        print("")
        print("                      \(pad("sign/s", 12)) \(pad("verify/s", 12))")
        print("vouch                 \(pad(formatRate(ourSign.perCPUSecond), 12)) \(pad(formatRate(ourVerify.perCPUSecond), 12))")
        print("openssl speed         \(pad(formatRate(openssl.sign), 12)) \(pad(formatRate(openssl.verify), 12))")
        print("ratio                 \(pad(formatRatio(signRatio), 12)) \(pad(formatRatio(verifyRatio), 12))")
        print("vouch, by wall clock  \(pad(formatRate(ourSign.perWallSecond), 12)) \(pad(formatRate(ourVerify.perWallSecond), 12))")
        print("")
        print("cold path (\(documents.count) signers, each key new to the verifier)        per CPU s   µs each   ratio to openssl verify")
        for (name, rate) in [("floor: keys known, distinct documents (not cold)", warmDistinct),
                             ("SignedEnvelope(verifying:), the node's path", cold),
                             ("  Ed25519PublicKey(rawRepresentation:) + verify", keyAndVerify),
                             ("  key + verification context, no verify", keyAndContext),
                             ("  Ed25519PublicKey(rawRepresentation:) alone", keyOnly)] {
            print("\(name.padding(toLength: 52, withPad: " ", startingAt: 0)) \(pad(formatRate(rate.perCPUSecond), 12))  \(pad(String(format: "%.1f", 1e6 / rate.perCPUSecond), 8))   \(pad(formatRatio(rate.perCPUSecond / openssl.verify), 6))")
        }
        print("openssl speed verify (one key, context set up once)  \(pad(formatRate(openssl.verify), 12))  \(pad(String(format: "%.1f", 1e6 / openssl.verify), 8))")
        let met = signRatio >= goal && verifyRatio >= goal
        print("")
        print("goal: ratio ≥ \(formatRatio(goal)) for sign and warm verify: \(met ? "met" : "NOT met")")
        print("goal: ratio ≥ \(formatRatio(goal)) for the cold path: \(coldRatio >= goal ? "met" : "NOT met")")
        if sink == -1 { print(sink) }
        return 0
    }

    /// A document signed by a key of its own, and what a verifier needs of it.
    private struct ColdDocument {
        let encoded: [UInt8]
        let signer: [UInt8]
        let signature: [UInt8]
        let input: [UInt8]
    }

    /// `count` profile documents, each signed by a fresh key.
    private static func coldDocuments(_ count: Int) throws -> [ColdDocument] {
        let now = UInt64(Date().timeIntervalSince1970)
        return try (0..<count).map { index in
            let key = try Ed25519PrivateKey()
            let profile = Profile(version: 1, updatedAt: now, fields: [.name: .init(value: "Signer \(index)", audience: .everyone)])
            let envelope = try profile.document(for: .everyone).signed(with: key)
            let input = SignedEnvelope.signatureInput(type: envelope.type, formatVersion: envelope.formatVersion,
                                                      signer: envelope.signer.rawRepresentation, payload: envelope.payload)
            return ColdDocument(encoded: envelope.encoded, signer: envelope.signer.rawRepresentation,
                                signature: envelope.signature, input: input)
        }
    }

    private static func formatRatio(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
