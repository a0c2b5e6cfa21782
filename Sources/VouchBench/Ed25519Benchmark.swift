import VouchCrypto

/// `vouch-bench ed25519`: Ed25519 signs and verifies per second through VouchCrypto's wrappers,
/// next to `openssl speed ed25519` run in the same invocation.
///
/// It measures what `openssl speed` measures in OpenSSL 3.0: one thread, one key, a 20-byte
/// message, one-shot `EVP_DigestSign`/`EVP_DigestVerify` on a context set up once. Our side goes
/// through `Ed25519PrivateKey.signature(for:)` and `Ed25519PublicKey.isValidSignature(_:for:)`,
/// so the figure includes what the wrappers add: the lock, the copies into arrays, the checks.
/// Rates are per second of CPU time on both sides, because that is what `openssl speed` reports
/// unless given `-elapsed`; our wall-clock rate is printed too.
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
        let options = try BenchOptions(parsing: arguments)
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
        var openssl = (sign: 0.0, verify: 0.0)
        for _ in 0..<options.rounds {
            let sign = try measureRate(for: options.seconds) {
                sink &+= Int(try key.signature(for: message)[0])
            }
            let verify = measureRate(for: options.seconds) {
                if !publicKey.isValidSignature(signature, for: message) { failures += 1 }
            }
            let theirs = try OpenSSLSpeed.ed25519(seconds: options.seconds)
            if sign.perCPUSecond > ourSign.perCPUSecond { ourSign = sign }
            if verify.perCPUSecond > ourVerify.perCPUSecond { ourVerify = verify }
            openssl = (max(openssl.sign, theirs.sign), max(openssl.verify, theirs.verify))
        }
        guard failures == 0 else {
            throw BenchOptions.UsageError(description: "\(failures) verifications failed during the run")
        }

        // Both sides per second of CPU time, as openssl speed counts without -elapsed.
        let signRatio = ourSign.perCPUSecond / openssl.sign, verifyRatio = ourVerify.perCPUSecond / openssl.verify
        print("")
        print("                      \(pad("sign/s", 12)) \(pad("verify/s", 12))")
        print("vouch                 \(pad(formatRate(ourSign.perCPUSecond), 12)) \(pad(formatRate(ourVerify.perCPUSecond), 12))")
        print("openssl speed         \(pad(formatRate(openssl.sign), 12)) \(pad(formatRate(openssl.verify), 12))")
        print("ratio                 \(pad(formatRatio(signRatio), 12)) \(pad(formatRatio(verifyRatio), 12))")
        print("vouch, by wall clock  \(pad(formatRate(ourSign.perWallSecond), 12)) \(pad(formatRate(ourVerify.perWallSecond), 12))")
        let met = signRatio >= goal && verifyRatio >= goal
        print("")
        print("goal: ratio ≥ \(formatRatio(goal)) for both: \(met ? "met" : "NOT met")")
        if sink == -1 { print(sink) }
        return 0
    }

    private static func formatRatio(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
