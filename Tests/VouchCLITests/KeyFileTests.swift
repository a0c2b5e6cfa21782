import Foundation
import Testing

/// A damaged, exposed or swapped identity key is refused with its own status, and refusing it
/// changes no file in the node home.
@Suite("identity key file problems")
struct KeyFileTests {
    /// The key and config files byte for byte, and what the database holds. (The database
    /// file's own bytes change whenever it is opened: GRDB touches the schema to make the WAL.)
    private func snapshot(_ box: Sandbox) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in ["identity.key", "config.json"] {
            files[name] = try Data(contentsOf: box.home.appendingPathComponent(name))
        }
        let show = try box.vouch(["profile", "show", "--json"])
        try #require(show.status == 0, "\(show)")
        files["profile"] = show.stdoutData
        return files
    }

    private func readyNode(_ box: Sandbox) throws -> String {
        let id = try box.initNode()
        try #require(try box.vouch(["profile", "set", "--name", "Ada"]).status == 0)
        return id
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func exposedKeyFileIsRefused(mode: Int) throws {
        let box = try Sandbox()
        try readyNode(box)
        #expect(chmod(box.keyFile.path, mode_t(mode)) == 0)
        let before = try snapshot(box)
        let result = try box.vouch(["profile", "export", "--json"])
        result.expectFailure(77, code: "insecure-permissions")
        #expect(result.errorMessage.contains("chmod 600 \(box.keyFile.path)"), "\(result)")
        #expect(try snapshot(box) == before)
        #expect(try box.mode(box.keyFile) == mode, "vouch does not silently fix the mode")

        #expect(chmod(box.keyFile.path, 0o600) == 0)
        #expect(try box.vouch(["profile", "export"]).status == 0)
    }

    @Test func symlinkedKeyFileIsRefused() throws {
        let box = try Sandbox()
        try readyNode(box)
        let moved = box.path("real.key")
        try FileManager.default.moveItem(at: box.keyFile, to: moved)
        try FileManager.default.createSymbolicLink(at: box.keyFile, withDestinationURL: moved)
        try box.vouch(["profile", "export", "--json"]).expectFailure(77, code: "insecure-permissions")
    }

    @Test(arguments: ["garbage", "truncated", "empty", "bad-base64", "not-a-key", "p256-key"])
    func corruptKeyFileIsReported(damage: String) throws {
        let box = try Sandbox()
        try readyNode(box)
        let pem = try Data(contentsOf: box.keyFile)
        let damaged: Data
        switch damage {
        case "garbage": damaged = Data("this is not a key\n".utf8)
        case "truncated": damaged = pem.prefix(pem.count / 2)
        case "empty": damaged = Data()
        case "bad-base64":
            var text = String(decoding: pem, as: UTF8.self).split(separator: "\n").map(String.init)
            text[1] = String(text[1].prefix(10)) + "!!" + text[1].dropFirst(12)
            damaged = Data((text.joined(separator: "\n") + "\n").utf8)
        case "p256-key":
            // A valid PKCS#8 key of another algorithm (made for this test, `openssl genpkey -algorithm ec`).
            damaged = Data("""
                -----BEGIN PRIVATE KEY-----
                MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgswtcPJduUFHDcan5
                Vzzdi4nSCyY3pkT4KiGQvwKvOpqhRANCAATA2N0kkSUjSCalxcmYjg+cabFoLfYl
                Tm9H6MGQzRVYvLFH6aw2Qh3naUtkp9eS1dvLvI8VPeXYHUarQAyqgY/x
                -----END PRIVATE KEY-----

                """.utf8)
        default:
            // A well-formed PEM whose content is not a PKCS#8 key.
            damaged = Data("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8)
        }
        // Write in place: the mode stays 0600.
        let handle = try FileHandle(forWritingTo: box.keyFile)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: damaged)
        try handle.close()
        let before = try snapshot(box)

        let result = try box.vouch(["profile", "export", "--json"])
        result.expectFailure(78, code: "key-file-corrupt")
        #expect(result.errorMessage.hasPrefix(box.keyFile.path), "the message names the file: \(result)")
        #expect(try snapshot(box) == before)
        // init refuses too and does not replace the damaged key with a new one.
        try box.vouch(["init", "--json"]).expectFailure(73, code: "already-initialized")
        #expect(try snapshot(box) == before)
    }

    @Test func keyOfAnotherNodeIsAMismatch() throws {
        let box = try Sandbox()
        let id = try readyNode(box)
        let otherHome = box.path("other")
        let other = try box.initNode(home: otherHome)
        let otherKey = try Data(contentsOf: otherHome.appendingPathComponent("identity.key"))
        let handle = try FileHandle(forWritingTo: box.keyFile)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: otherKey)
        try handle.close()
        let before = try snapshot(box)

        let result = try box.vouch(["profile", "export", "--json"])
        result.expectFailure(78, code: "key-mismatch")
        #expect(result.errorMessage.contains(String(other.prefix(7))) && result.errorMessage.contains(String(id.prefix(7))),
                "\(result)")
        #expect(try snapshot(box) == before)
        // The database still says who this node is.
        #expect(try box.vouch(["id", "--json"]).json()["id"] as? String == id)
    }

    /// A lost key file: commands say so, and `init` does not make a new key that would not
    /// match the identity in the database.
    @Test func missingKeyFileWithADatabaseIsNotANewNode() throws {
        let box = try Sandbox()
        let id = try readyNode(box)
        let profile = try box.vouch(["profile", "show", "--json"]).stdoutData
        let backup = box.path("identity.key.backup")
        try FileManager.default.moveItem(at: box.keyFile, to: backup)

        for command in [["id"], ["profile", "show"], ["profile", "export"]] {
            let result = try box.vouch(command + ["--json"])
            result.expectFailure(78, code: "key-mismatch")
            #expect(result.errorMessage.contains("no identity.key") && result.errorMessage.contains("backup"), "\(result)")
        }
        let again = try box.vouch(["init", "--json"])
        again.expectFailure(73, code: "already-initialized")
        #expect(again.errorMessage.contains(String(id.prefix(7))) && again.errorMessage.contains("missing"), "\(again)")
        #expect(!FileManager.default.fileExists(atPath: box.keyFile.path), "init made no new key")

        // Restoring the key from the backup brings the node back as it was.
        try FileManager.default.moveItem(at: backup, to: box.keyFile)
        #expect(try box.vouch(["id", "--json"]).json()["id"] as? String == id)
        #expect(try box.vouch(["profile", "show", "--json"]).stdoutData == profile)
        #expect(try box.vouch(["profile", "export"]).status == 0)
    }
}

@Suite("damaged database")
struct DatabaseFileTests {
    @Test func aDatabaseThatIsNotSQLiteIsAnIOErrorAndTheKeyIsKept() throws {
        let box = try Sandbox()
        try box.initNode()
        let key = try Data(contentsOf: box.keyFile)
        let garbage = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })
        try garbage.write(to: box.databaseFile)
        for command in [["id"], ["profile", "show"], ["profile", "export"]] {
            let result = try box.vouch(command + ["--json"])
            result.expectFailure(74, code: "database")
            #expect(result.errorMessage.contains(box.databaseFile.path), "\(result)")
        }
        // init does not "repair" it by starting over.
        let again = try box.vouch(["init", "--json"])
        #expect(again.status != 0, "\(again)")
        #expect(try Data(contentsOf: box.keyFile) == key)
        #expect(try Data(contentsOf: box.databaseFile) == garbage)
    }
}
