import Foundation
import Testing

@Suite("vouch backup and restore")
struct BackupTests {
    static func passphraseFile(_ box: Sandbox, _ text: String, name: String = "pass") throws -> String {
        let file = box.path(name)
        try Data((text + "\n").utf8).write(to: file)
        return file.path
    }

    @Test("a backup restores into a new home: same ID, same profile, same config; the file is not readable as plain text")
    func roundTrip() throws {
        let box = try Sandbox()
        let id = try box.initNode()
        #expect(try box.vouch(["profile", "set", "--name", "Ada Lovelace", "--headline", "Analyst"]).status == 0)
        let pass = try Self.passphraseFile(box, "correct horse battery staple")
        let file = box.path("node.vbk")
        let made = try box.vouch(["backup", "-o", file.path, "--passphrase-file", pass, "--json"])
        #expect(made.status == 0, "\(made)")
        #expect(try box.mode(file) == 0o600)
        let bytes = try box.contents(file)
        #expect(bytes.starts(with: Data("VOUCH-BACKUP\n".utf8)))
        #expect(bytes.range(of: Data("PRIVATE KEY".utf8)) == nil && bytes.range(of: Data("Ada Lovelace".utf8)) == nil,
                "nothing of the node is readable in the file")

        let restored = box.path("restored")
        let result = try box.vouch(["restore", file.path, "--passphrase-stdin"], home: restored, stdin: Data("correct horse battery staple\n".utf8))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Next: vouch run --home \(restored.path)"), "\(result)")
        #expect(try box.vouch(["id", "--json"], home: restored).json()["id"] as? String == id)
        let profile = try box.vouch(["profile", "show", "--json"], home: restored)
        #expect(profile.stdout.contains("Ada Lovelace") && profile.stdout.contains("Analyst"), "\(profile)")
        #expect(try box.contents(restored.appendingPathComponent("config.json")) == box.contents(box.configFile))
        #expect(try box.mode(restored) == 0o700 && box.mode(restored.appendingPathComponent("identity.key")) == 0o600)
    }

    @Test("a wrong passphrase and a changed byte are refused the same way (77), and nothing is written")
    func wrongPassphraseAndDamage() throws {
        let box = try Sandbox()
        try box.initNode()
        let pass = try Self.passphraseFile(box, "right"), wrong = try Self.passphraseFile(box, "wrong", name: "wrong")
        let file = box.path("node.vbk")
        #expect(try box.vouch(["backup", "-o", file.path, "--passphrase-file", pass]).status == 0)
        let target = box.path("target")

        let refused = try box.vouch(["restore", file.path, "--passphrase-file", wrong, "--json"], home: target)
        refused.expectFailure(77, code: "wrong-passphrase")
        var bytes = try box.contents(file)
        bytes[bytes.count / 2] ^= 0x01
        let damaged = box.path("damaged.vbk")
        try bytes.write(to: damaged)
        let changed = try box.vouch(["restore", damaged.path, "--passphrase-file", pass], home: target)
        #expect(changed.status == 77 && changed.stderr.contains("changed or damaged"), "\(changed)")
        try box.contents(file).prefix(20).write(to: damaged)
        #expect(try box.vouch(["restore", damaged.path, "--passphrase-file", pass], home: target).status == 65)
        try Data("hello\n".utf8).write(to: damaged)
        let notBackup = try box.vouch(["restore", damaged.path, "--passphrase-file", pass], home: target)
        #expect(notBackup.status == 65 && notBackup.stderr.contains("not a Vouch backup"), "\(notBackup)")
        #expect(!FileManager.default.fileExists(atPath: target.path), "a refused restore writes nothing")
    }

    @Test("restore never writes over a node, and a backup is never written in the clear or over a file")
    func refusals() throws {
        let box = try Sandbox()
        try box.initNode()
        let pass = try Self.passphraseFile(box, "pass")
        let file = box.path("node.vbk")
        #expect(try box.vouch(["backup", "-o", file.path, "--passphrase-file", pass]).status == 0)
        let keyBefore = try box.contents(box.keyFile)
        let over = try box.vouch(["restore", file.path, "--passphrase-file", pass, "--json"])
        over.expectFailure(73, code: "already-initialized")
        #expect(try box.contents(box.keyFile) == keyBefore)
        let noPassphrase = try box.vouch(["backup", "-o", box.path("other.vbk").path])
        #expect(noPassphrase.status == 64 && noPassphrase.stderr.contains("always encrypted"), "\(noPassphrase)")
        let again = try box.vouch(["backup", "-o", file.path, "--passphrase-file", pass])
        #expect(again.status == 73, "an existing file is not overwritten: \(again)")
    }
}
