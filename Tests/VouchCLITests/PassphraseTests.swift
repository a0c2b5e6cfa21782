import Foundation
import Testing

/// Encrypted keys cost 600 000 PBKDF2 rounds per use, so these tests use as few as they can.
@Suite("passphrase-protected identity keys")
struct PassphraseTests {
    private func isEncrypted(_ box: Sandbox, home: URL? = nil) throws -> Bool {
        let key = (home ?? box.home).appendingPathComponent("identity.key")
        let pem = String(decoding: try Data(contentsOf: key), as: UTF8.self)
        return pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----\n") && !pem.contains("BEGIN PRIVATE KEY")
    }

    @Test func passphraseFileEncryptsAndExportThenNeedsThePassphrase() throws {
        let box = try Sandbox()
        let secretFile = box.path("secret.txt")
        // The first line is the passphrase; its newline is not part of it.
        try Data("correct horse\nsecond line ignored\n".utf8).write(to: secretFile)
        let created = try box.vouch(["init", "--json", "--passphrase-file", secretFile.path])
        #expect(created.status == 0, "\(created)")
        #expect(try created.json()["encrypted"] as? Bool == true)
        #expect(try isEncrypted(box))
        #expect(try box.mode(box.keyFile) == 0o600)

        // Commands that do not sign need no passphrase.
        let id = try #require(try box.vouch(["id", "--json"]).json()["id"] as? String)
        #expect(try box.vouch(["profile", "set", "--name", "Ada"]).status == 0)

        let none = try box.vouch(["profile", "export", "--json"])
        none.expectFailure(77, code: "passphrase-required")
        #expect(none.errorMessage.contains("--passphrase-file"), "\(none)")

        let wrong = try box.vouch(["profile", "export", "--json", "--passphrase-stdin"], stdin: Data("correct horsf\n".utf8))
        wrong.expectFailure(77, code: "wrong-passphrase")

        let right = try box.vouch(["profile", "export", "--json"], environment: ["VOUCH_PASSPHRASE": "correct horse"])
        #expect(right.status == 0, "\(right)")
        let card = box.path("card.vouch")
        try Data(try #require(try right.json()["document"] as? String).utf8).write(to: card)
        let verified = try box.vouch(["verify", "--json", card.path], useHome: false)
        #expect(try verified.json()["signer"] as? String == id)
    }

    @Test func passphraseFromStandardInput() throws {
        let box = try Sandbox()
        let created = try box.vouch(["init", "--json", "--passphrase-stdin"], stdin: Data("from stdin\r\n".utf8))
        #expect(created.status == 0, "\(created)")
        #expect(try created.json()["encrypted"] as? Bool == true)
        #expect(try isEncrypted(box))
        #expect(try box.vouch(["id"]).status == 0)
    }

    @Test func passphraseFromTheEnvironment() throws {
        let box = try Sandbox()
        let created = try box.vouch(["init"], environment: ["VOUCH_PASSPHRASE": "from env"])
        #expect(created.status == 0, "\(created)")
        #expect(created.stdout.contains("(encrypted)"))
        #expect(try isEncrypted(box))
    }

    @Test func aPassphraseIsNeverAnArgument() throws {
        let box = try Sandbox()
        try box.vouch(["init", "--json", "--passphrase", "x"]).expectFailure(64, code: "usage")
        try box.vouch(["init", "--passphrase=x"]).expectFailure(64)
        #expect(!FileManager.default.fileExists(atPath: box.home.path))
        try box.initNode()
        try box.vouch(["profile", "export", "--json", "--passphrase", "x"]).expectFailure(64, code: "usage")
    }

    @Test func badPassphraseSourcesAreRefusedBeforeAnythingIsWritten() throws {
        let box = try Sandbox()
        try box.vouch(["init", "--json", "--passphrase-file", box.path("missing").path]).expectFailure(66, code: "not-found")
        let empty = box.path("empty.txt")
        try Data("\n".utf8).write(to: empty)
        try box.vouch(["init", "--json", "--passphrase-file", empty.path]).expectFailure(65, code: "empty-passphrase")
        try box.vouch(["init", "--json", "--passphrase-stdin"], stdin: Data()).expectFailure(65, code: "empty-passphrase")
        try box.vouch(["init", "--json"], environment: ["VOUCH_PASSPHRASE": ""]).expectFailure(65, code: "empty-passphrase")
        try box.vouch(["init", "--json", "--passphrase-stdin", "--passphrase-file", empty.path]).expectFailure(64, code: "usage")
        #expect(!FileManager.default.fileExists(atPath: box.keyFile.path))
    }
}
