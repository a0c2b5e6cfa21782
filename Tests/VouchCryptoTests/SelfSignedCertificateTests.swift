import Foundation
import Testing
import VouchCrypto

@Suite("SelfSignedCertificate")
struct SelfSignedCertificateTests {
    static let seed = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")  // RFC 8032 TEST 2

    @Test("openssl parses it: X.509 v3, Ed25519, subject = issuer = the CN asked for, valid now")
    func opensslParses() throws {
        let key = try Ed25519PrivateKey(seed: Self.seed)
        let certificate = try SelfSignedCertificate(key: key, commonName: "node-7f3a.vouch")
        try withTemporaryDirectory { dir in
            let der = try dir.writing(certificate.der, to: "cert.der")
            let text = try OpenSSLTool.succeed(["x509", "-inform", "DER", "-in", der.path, "-noout", "-text"], in: dir).text
            #expect(text.contains("Version: 3 (0x2)"))
            #expect(text.contains("Signature Algorithm: ED25519"))
            #expect(text.contains("Public Key Algorithm: ED25519"))
            #expect(text.contains("Issuer: CN = node-7f3a.vouch"))
            #expect(text.contains("Subject: CN = node-7f3a.vouch"))

            let subject = try OpenSSLTool.succeed(
                ["x509", "-inform", "DER", "-in", der.path, "-noout", "-subject", "-nameopt", "RFC2253"], in: dir).text
            #expect(subject == "subject=CN=node-7f3a.vouch\n")
            // Valid now and for at least 99 more years (the default is 36,500 days).
            try OpenSSLTool.succeed(["x509", "-inform", "DER", "-in", der.path, "-noout", "-checkend", "0"], in: dir)
            try OpenSSLTool.succeed(["x509", "-inform", "DER", "-in", der.path, "-noout",
                                     "-checkend", String(99 * 365 * 86_400)], in: dir)

            // The key in the certificate is ours (SubjectPublicKeyInfo ends with the raw key).
            let spki = try OpenSSLTool.succeed(["x509", "-inform", "DER", "-in", der.path, "-noout", "-pubkey"], in: dir)
            let pubPEM = try dir.writing(spki.text, to: "pub.pem")
            let pubDER = try OpenSSLTool.succeed(["pkey", "-pubin", "-in", pubPEM.path, "-outform", "DER"], in: dir)
            #expect(Array(pubDER.stdout.suffix(32)) == key.publicKey.rawRepresentation)
        }
    }

    @Test("a chosen validity period (for tests): openssl reads the dates asked for")
    func chosenValidity() throws {
        let key = try Ed25519PrivateKey()
        let expired = try SelfSignedCertificate(key: key, commonName: "expired", notBeforeSecondsFromNow: -2 * 86_400,
                                                notAfterSecondsFromNow: -86_400)
        let later = try SelfSignedCertificate(key: key, commonName: "later", notBeforeSecondsFromNow: 86_400,
                                              notAfterSecondsFromNow: 2 * 86_400)
        try withTemporaryDirectory { dir in
            let expiredDER = try dir.writing(expired.der, to: "expired.der")
            #expect(try OpenSSLTool.run(["x509", "-inform", "DER", "-in", expiredDER.path, "-noout", "-checkend", "0"],
                                        in: dir).status != 0, "expired now")
            let laterDER = try dir.writing(later.der, to: "later.der")
            // Not expired within the next day, expired within three; openssl verify says "not yet valid".
            try OpenSSLTool.succeed(["x509", "-inform", "DER", "-in", laterDER.path, "-noout", "-checkend", "86000"], in: dir)
            #expect(try OpenSSLTool.run(["x509", "-inform", "DER", "-in", laterDER.path, "-noout", "-checkend", String(3 * 86_400)],
                                        in: dir).status != 0)
            let laterPEM = try dir.writing(later.pem, to: "later.pem")
            let verify = try OpenSSLTool.run(["verify", "-CAfile", laterPEM.path, laterPEM.path], in: dir)
            #expect(verify.status != 0 && (verify.text + verify.stderr).contains("not yet valid"), "\(verify.text) \(verify.stderr)")
        }
    }

    @Test("it is self-signed and the signature verifies (openssl verify with itself as the CA)")
    func selfSignedAndVerifies() throws {
        let certificate = try SelfSignedCertificate(key: Ed25519PrivateKey(), commonName: "self")
        try withTemporaryDirectory { dir in
            let pem = try dir.writing(certificate.pem, to: "cert.pem")
            // `-check_ss_sig`: without it OpenSSL trusts a self-signed anchor's signature unchecked
            // (the damaged copy below would then pass).
            let result = try OpenSSLTool.succeed(["verify", "-check_ss_sig", "-CAfile", pem.path, pem.path], in: dir)
            #expect(result.text == "\(pem.path): OK\n")

            // Not vacuous: another certificate with the same name does not verify against it.
            let other = try dir.writing(SelfSignedCertificate(key: Ed25519PrivateKey(), commonName: "self").pem,
                                        to: "other.pem")
            #expect(try OpenSSLTool.run(["verify", "-check_ss_sig", "-CAfile", pem.path, other.path], in: dir).status != 0)

            // Nor does the certificate with one byte of its signature changed.
            var damaged = certificate.der
            damaged[damaged.count - 10] ^= 0x01
            let damagedPEM = try dir.writing(SelfSignedCertificate(der: damaged).pem, to: "damaged.pem")
            #expect(try OpenSSLTool.run(["verify", "-check_ss_sig", "-CAfile", damagedPEM.path, damagedPEM.path],
                                        in: dir).status != 0)
        }
    }

    @Test("the PEM form is the DER in 64-character base64 lines")
    func pem() throws {
        let certificate = try SelfSignedCertificate(key: Ed25519PrivateKey(seed: Self.seed), commonName: "pem")
        let lines = certificate.pem.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "-----BEGIN CERTIFICATE-----")
        #expect(lines.dropLast().last == "-----END CERTIFICATE-----")
        #expect(lines.last == "")
        let body = lines.dropFirst().dropLast(2)
        #expect(body.dropLast().allSatisfy { $0.count == 64 })
        #expect(Base64.decode(body.joined()) == certificate.der)
    }

    @Test("ed25519PublicKey(fromDER:) gives back the key, for ours and for one openssl makes")
    func publicKeyFromDER() throws {
        let key = try Ed25519PrivateKey(seed: Self.seed)
        let certificate = try SelfSignedCertificate(key: key, commonName: "k")
        #expect(try SelfSignedCertificate.ed25519PublicKey(fromDER: certificate.der) == key.publicKey)
        #expect(SelfSignedCertificate(der: certificate.der).der == certificate.der)

        try withTemporaryDirectory { dir in
            try OpenSSLTool.succeed(["req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", "key.pem",
                                     "-out", "cert.der", "-outform", "DER", "-subj", "/CN=openssl", "-days", "1"], in: dir)
            let theirs = try Ed25519PrivateKey(pkcs8PEM: dir.contents(of: "key.pem"), passphrase: nil)
            #expect(try SelfSignedCertificate.ed25519PublicKey(fromDER: dir.contents(of: "cert.der")) == theirs.publicKey)
        }
    }

    @Test("a P-256 or RSA certificate: invalidCertificate",
          arguments: [["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                      ["-newkey", "rsa:2048"]])
    func otherKeyType(_ options: [String]) throws {
        let der = try withTemporaryDirectory { dir in
            try OpenSSLTool.succeed(["req", "-x509"] + options + ["-nodes", "-keyout", "key.pem",
                                     "-out", "cert.der", "-outform", "DER", "-subj", "/CN=other", "-days", "1"], in: dir)
            return try dir.contents(of: "cert.der")
        }
        expectError(.invalidCertificate) { try SelfSignedCertificate.ed25519PublicKey(fromDER: der) }
    }

    @Test("bytes that are no certificate: invalidCertificate")
    func garbage() throws {
        let der = try SelfSignedCertificate(key: Ed25519PrivateKey(), commonName: "x").der
        for bytes in [[], [0x30], Array(der.prefix(der.count / 2)), SecureRandom.bytes(300)] {
            expectError(.invalidCertificate) { try SelfSignedCertificate.ed25519PublicKey(fromDER: bytes) }
        }
    }

    @Test("a certificate carrying a small-order key is refused by the key policy: weakKey")
    func smallOrderKeyInCertificate() throws {
        let key = try Ed25519PrivateKey(seed: Self.seed)
        var der = try SelfSignedCertificate(key: key, commonName: "weak").der
        // Swap the key bytes (after the BIT STRING header 03 21 00) for the identity point.
        let raw = key.publicKey.rawRepresentation
        let start = (0...(der.count - 35)).first { Array(der[$0..<($0 + 35)]) == [0x03, 0x21, 0x00] + raw }!
        der.replaceSubrange((start + 3)..<(start + 35), with: hex("0100000000000000000000000000000000000000000000000000000000000000"))
        expectError(.weakKey) { try SelfSignedCertificate.ed25519PublicKey(fromDER: der) }
    }
}
