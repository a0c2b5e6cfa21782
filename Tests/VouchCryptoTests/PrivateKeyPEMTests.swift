import Foundation
import Testing
import VouchCrypto

/// The key file: PKCS#8 PEM, plain or PBES2-encrypted. Each encrypted write or read runs
/// 600,000 PBKDF2 iterations, so the suite writes one encrypted file and reads it a few times.
@Suite("PrivateKeyPEM: the identity key file")
struct PrivateKeyPEMTests {
    static let seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  // RFC 8032 TEST 1
    static let passphrase = Array("correct horse battery staple".utf8)
    static let message = Array("signed by the key file".utf8)

    /// The one encrypted file (held as a Result so a failure fails the tests that use it).
    static let encrypted: Result<String, any Error> = Result {
        try Ed25519PrivateKey(seed: seed).pkcs8PEM(passphrase: passphrase)
    }

    static func key() throws -> Ed25519PrivateKey { try Ed25519PrivateKey(seed: seed) }

    /// The base64 body of a PEM text, as one string without line breaks.
    static func body(_ pem: String) -> String {
        pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    }

    /// `pem` with its body replaced by `body`, wrapped at 64 characters as OpenSSL writes it.
    static func replacingBody(of pem: String, with body: String) -> String {
        let lines = pem.split(separator: "\n")
        var out = [String(lines.first!)]
        var rest = Substring(body)
        while !rest.isEmpty {
            out.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        out.append(String(lines.last!))
        return out.joined(separator: "\n") + "\n"
    }

    /// `pem` with the base64 character that holds the top six bits of DER byte `byte` changed.
    /// Character 4k covers bits 24k…24k+5, which all lie in byte 3k, so exactly one byte changes.
    static func changingDERByte(_ byte: Int, of pem: String) -> String {
        precondition(byte % 3 == 0, "only every third byte has a character of its own")
        var chars = Array(body(pem))
        let index = byte / 3 * 4
        chars[index] = chars[index] == "A" ? "B" : "A"
        return replacingBody(of: pem, with: String(chars))
    }

    static func der(_ pem: String) -> [UInt8] { Base64.decode(body(pem))! }

    // MARK: Round trips

    @Test("unencrypted: the exact PKCS#8 v1 bytes, and they read back to the same key")
    func unencryptedRoundTrip() throws {
        let pem = try Self.key().pkcs8PEM()
        #expect(pem == """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
            -----END PRIVATE KEY-----

            """)
        let read = try Ed25519PrivateKey(pkcs8PEM: Array(pem.utf8), passphrase: nil)
        #expect(read.publicKey == (try Self.key()).publicKey)
        #expect(try read.signature(for: Self.message) == (try Self.key()).signature(for: Self.message))
    }

    @Test("encrypted: reads back with the passphrase to the same key")
    func encryptedRoundTrip() throws {
        let pem = try Self.encrypted.get()
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"))
        #expect(!pem.contains(Self.body(try Self.key().pkcs8PEM())))
        let read = try Ed25519PrivateKey(pkcs8PEM: Array(pem.utf8), passphrase: Self.passphrase)
        #expect(read.publicKey == (try Self.key()).publicKey)
        #expect(try read.signature(for: Self.message) == (try Self.key()).signature(for: Self.message))
    }

    @Test("encrypted: PBES2 with PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC")
    func encryptionParameters() throws {
        let pem = try Self.encrypted.get()
        let dump = try withTemporaryDirectory { dir in
            try OpenSSLTool.succeed(["asn1parse", "-in", dir.writing(pem, to: "key.pem").path], in: dir).text
        }
        for expected in [":PBES2", ":PBKDF2", ":hmacWithSHA256", ":aes-256-cbc", "INTEGER           :0927C0"] {
            #expect(dump.contains(expected), "asn1parse output lacks \(expected):\n\(dump)")
        }
        #expect(Ed25519PrivateKey.pbkdf2Iterations == 0x0927C0)
    }

    // MARK: Passphrases

    @Test("encrypted without a passphrase: passphraseRequired")
    func passphraseRequired() throws {
        let pem = Array(try Self.encrypted.get().utf8)
        expectError(.passphraseRequired) { try Ed25519PrivateKey(pkcs8PEM: pem, passphrase: nil) }
    }

    @Test("encrypted with a wrong passphrase: wrongPassphrase")
    func wrongPassphrase() throws {
        let pem = Array(try Self.encrypted.get().utf8)
        expectError(.wrongPassphrase) {
            try Ed25519PrivateKey(pkcs8PEM: pem, passphrase: Array("correct horse battery stapler".utf8))
        }
    }

    @Test("an empty passphrase is a passphrase: it encrypts, and only it decrypts")
    func emptyPassphrase() throws {
        let pem = try Self.key().pkcs8PEM(passphrase: [])
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"))
        expectError(.passphraseRequired) { try Ed25519PrivateKey(pkcs8PEM: Array(pem.utf8), passphrase: nil) }
        #expect(try Ed25519PrivateKey(pkcs8PEM: Array(pem.utf8), passphrase: []).publicKey == (try Self.key()).publicKey)
    }

    // MARK: Damaged files

    @Test("truncated files: keyFileCorrupt, encrypted or not")
    func truncated() throws {
        for pem in [try Self.key().pkcs8PEM(), try Self.encrypted.get()] {
            let text = Array(pem.utf8)
            // Cut inside the body, just before the END line, and inside the END line.
            for length in [text.count / 2, text.count - 30, text.count - 5] {
                expectError(.keyFileCorrupt, "cut at \(length) of \(text.count)") {
                    try Ed25519PrivateKey(pkcs8PEM: text.prefix(length), passphrase: Self.passphrase)
                }
            }
        }
    }

    @Test("not a private key PEM at all: keyFileCorrupt")
    func notAKey() throws {
        let certificate = try SelfSignedCertificate(key: Self.key(), commonName: "not a key").pem
        for text in ["", "hello", certificate, "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"] {
            expectError(.keyFileCorrupt, "\(text)") { try Ed25519PrivateKey(pkcs8PEM: Array(text.utf8), passphrase: nil) }
        }
    }

    @Test("unencrypted, one base64 character changed in the structure or to a non-base64 character: keyFileCorrupt")
    func unencryptedCharacterChanged() throws {
        let pem = try Self.key().pkcs8PEM()
        // Byte 0 is the SEQUENCE tag, byte 6 the AlgorithmIdentifier's length, byte 9 the OID's first byte.
        for byte in [0, 6, 9] {
            expectError(.keyFileCorrupt, "DER byte \(byte)") {
                try Ed25519PrivateKey(pkcs8PEM: Array(Self.changingDERByte(byte, of: pem).utf8), passphrase: nil)
            }
        }
        var chars = Array(Self.body(pem))
        chars[20] = "*"
        expectError(.keyFileCorrupt) {
            try Ed25519PrivateKey(pkcs8PEM: Array(Self.replacingBody(of: pem, with: String(chars)).utf8), passphrase: nil)
        }
    }

    @Test("encrypted, one base64 character changed in the outer structure: keyFileCorrupt")
    func encryptedStructureChanged() throws {
        let pem = try Self.encrypted.get()
        // Byte 0 is the outer SEQUENCE tag; byte 6 is the length of the PBES2 OID.
        for byte in [0, 6] {
            expectError(.keyFileCorrupt, "DER byte \(byte)") {
                try Ed25519PrivateKey(pkcs8PEM: Array(Self.changingDERByte(byte, of: pem).utf8), passphrase: Self.passphrase)
            }
        }
    }

    /// AES-CBC has no integrity check: a changed ciphertext byte is found only through the
    /// padding, exactly as a wrong passphrase is. The two cannot be told apart.
    @Test("encrypted, one base64 character changed in the ciphertext so the padding breaks: wrongPassphrase (indistinguishable)")
    func encryptedCiphertextChanged() throws {
        let pem = try Self.encrypted.get()
        let der = Self.der(pem)
        // The ciphertext is the DER's last 64 bytes: blocks C1…C4 of the 48-byte PKCS#8 plus a
        // full padding block. A byte of C3 other than its last flips a byte of the padding block.
        let c3 = der.count - 32
        let byte = (c3..<(c3 + 15)).first { $0 % 3 == 0 }!
        expectError(.wrongPassphrase) {
            try Ed25519PrivateKey(pkcs8PEM: Array(Self.changingDERByte(byte, of: pem).utf8), passphrase: Self.passphrase)
        }
    }

    /// Found while writing these tests, and pinned so that a later integrity check shows up here:
    /// PKCS#8 carries no checksum, and PBES2 with AES-CBC no MAC. A change in the bytes that hold
    /// the seed gives a different, valid key, not an error.
    @Test("neither form detects a change in the seed bytes: another valid key comes out")
    func noIntegrityCheck() throws {
        let original = try Self.key().publicKey
        let plain = try Self.key().pkcs8PEM()
        // Unencrypted: the seed is bytes 16…47 of the 48-byte DER.
        let changedPlain = try Ed25519PrivateKey(pkcs8PEM: Array(Self.changingDERByte(30, of: plain).utf8), passphrase: nil)
        #expect(changedPlain.publicKey != original)

        // Encrypted: a change in C2 garbles the first half of the seed and flips a bit in the
        // second; the padding block is untouched, so decryption succeeds.
        let pem = try Self.encrypted.get()
        let c2 = Self.der(pem).count - 48
        let byte = (c2..<(c2 + 16)).first { $0 % 3 == 0 }!
        let changed = try Ed25519PrivateKey(pkcs8PEM: Array(Self.changingDERByte(byte, of: pem).utf8), passphrase: Self.passphrase)
        #expect(changed.publicKey != original)
    }

    // MARK: Other key types

    @Test("an RSA, P-256 or X25519 key file: invalidKey",
          arguments: [["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                      ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                      ["-algorithm", "X25519"]])
    func otherKeyTypes(_ options: [String]) throws {
        let pem = try withTemporaryDirectory { dir in
            try OpenSSLTool.succeed(["genpkey"] + options + ["-out", "key.pem"], in: dir)
            return try dir.contents(of: "key.pem")
        }
        #expect(String(decoding: pem, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        expectError(.invalidKey) { try Ed25519PrivateKey(pkcs8PEM: pem, passphrase: nil) }
    }

    // MARK: Interoperability with the openssl tool

    @Test("openssl pkey reads our unencrypted and encrypted files and finds the same public key")
    func opensslReadsOurs() throws {
        let publicKey = try Self.key().publicKey.rawRepresentation
        try withTemporaryDirectory { dir in
            let plain = try dir.writing(Self.key().pkcs8PEM(), to: "plain.pem")
            let plainPub = try OpenSSLTool.succeed(["pkey", "-in", plain.path, "-pubout", "-outform", "DER"], in: dir)
            #expect(Array(plainPub.stdout.suffix(32)) == publicKey)

            let encrypted = try dir.writing(Self.encrypted.get(), to: "encrypted.pem")
            let pass = try dir.writing(Self.passphrase + [0x0A], to: "pass.txt")
            let encPub = try OpenSSLTool.succeed(
                ["pkey", "-in", encrypted.path, "-passin", "file:\(pass.path)", "-pubout", "-outform", "DER"], in: dir)
            #expect(Array(encPub.stdout.suffix(32)) == publicKey)
            #expect(encPub.stdout.count == 44)  // SubjectPublicKeyInfo: 12-byte header + 32-byte key

            // And it refuses a wrong passphrase, so the check above is not vacuous.
            let wrong = try dir.writing("wrong\n", to: "wrong.txt")
            let refused = try OpenSSLTool.run(["pkey", "-in", encrypted.path, "-passin", "file:\(wrong.path)"], in: dir)
            #expect(refused.status != 0)
        }
    }

    @Test("we read openssl genpkey's Ed25519 keys, plain and encrypted, to the key openssl derives")
    func weReadOpenSSLs() throws {
        try withTemporaryDirectory { dir in
            let pass = try dir.writing(Self.passphrase + [0x0A], to: "pass.txt")
            try OpenSSLTool.succeed(["genpkey", "-algorithm", "ed25519", "-out", "plain.pem"], in: dir)
            try OpenSSLTool.succeed(["genpkey", "-algorithm", "ed25519", "-aes-256-cbc", "-pass", "file:\(pass.path)",
                                     "-out", "encrypted.pem"], in: dir)
            for (file, passphrase) in [("plain.pem", nil), ("encrypted.pem", Self.passphrase)] {
                let expected = try OpenSSLTool.succeed(
                    ["pkey", "-in", file, "-passin", "file:\(pass.path)", "-pubout", "-outform", "DER"], in: dir)
                let key = try Ed25519PrivateKey(pkcs8PEM: dir.contents(of: file), passphrase: passphrase)
                #expect(key.publicKey.rawRepresentation == Array(expected.stdout.suffix(32)), "\(file)")
            }
            expectError(.passphraseRequired) {
                try Ed25519PrivateKey(pkcs8PEM: dir.contents(of: "encrypted.pem"), passphrase: nil)
            }
        }
    }
}

@Suite("Secrets are cleansed")
struct CleanseTests {
    @Test func cleanseZeroesEveryByteInPlace() {
        var secret: [UInt8] = Array("correct horse battery staple".utf8)
        let count = secret.count
        secret.cleanse()
        #expect(secret.count == count, "the array keeps its length")
        #expect(secret.allSatisfy { $0 == 0 })
        var empty: [UInt8] = []
        empty.cleanse()
        #expect(empty.isEmpty)
    }

    /// It clears the storage itself, not a copy: bytes read through a pointer taken before
    /// are zero afterwards.
    @Test func cleanseClearsTheStorageNotACopy() {
        var secret = SecureRandom.bytes(32)
        secret[0] = 0xFF
        let before = secret.withUnsafeBufferPointer { Array($0) }
        secret.cleanse()
        secret.withUnsafeBufferPointer { buffer in
            #expect(buffer.allSatisfy { $0 == 0 })
        }
        #expect(before[0] == 0xFF, "an earlier copy is not touched: copies are the holder's to clear")
    }

    /// Reading a key file still works now that its copies are cleansed as it is read.
    @Test func aKeyReadFromPEMOutlivesTheCleansedCopies() throws {
        let key = try Ed25519PrivateKey()
        let passphrase = Array("passphrase".utf8)
        var pem = Array(try key.pkcs8PEM(passphrase: passphrase).utf8)
        let loaded = try Ed25519PrivateKey(pkcs8PEM: pem, passphrase: passphrase)
        pem.cleanse()
        #expect(loaded.publicKey == key.publicKey)
        #expect(try loaded.signature(for: [1, 2, 3]) == key.signature(for: [1, 2, 3]))
    }
}
