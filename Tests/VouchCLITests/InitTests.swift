import Foundation
import Testing

@Suite("vouch init and vouch id")
struct InitTests {
    @Test func initCreatesAPrivateHomeWithKeyDatabaseAndConfig() throws {
        let box = try Sandbox()
        let result = try box.vouch(["init", "--json"])
        #expect(result.status == 0, "\(result)")
        let json = try result.json()
        #expect(json["home"] as? String == box.home.path)
        #expect(json["key_file"] as? String == box.keyFile.path)
        #expect(json["encrypted"] as? Bool == false)
        let id = try #require(json["id"] as? String)
        #expect(json["short_id"] as? String == String(id.prefix(7)))

        #expect(try box.mode(box.home) == 0o700)
        #expect(try box.mode(box.keyFile) == 0o600)
        #expect(try box.mode(box.configFile) == 0o600)
        #expect(FileManager.default.fileExists(atPath: box.databaseFile.path))
        let pem = String(decoding: try box.contents(box.keyFile), as: UTF8.self)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let config = try JSONSerialization.jsonObject(with: box.contents(box.configFile)) as? [String: Any]
        #expect(config?["listen"] as? String == "0.0.0.0:7868")
    }

    @Test func initTextOutputNamesTheNodeAndTheNextStep() throws {
        let box = try Sandbox()
        let result = try box.vouch(["init"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Created a Vouch node in \(box.home.path)"))
        #expect(result.stdout.contains("(not encrypted)"))
        #expect(result.stdout.contains("vouch profile set"))
        #expect(!result.stdout.contains("\u{1B}["), "NO_COLOR and a pipe: no escape sequences")
    }

    @Test func initListenIsWrittenToConfig() throws {
        let box = try Sandbox()
        let result = try box.vouch(["init", "--listen", "127.0.0.1:9000"])
        #expect(result.status == 0, "\(result)")
        let config = try JSONSerialization.jsonObject(with: box.contents(box.configFile)) as? [String: Any]
        #expect(config?["listen"] as? String == "127.0.0.1:9000")

        let other = try Sandbox()
        try other.vouch(["init", "--json", "--listen", "no-port"]).expectFailure(65, code: "invalid-value")
        #expect(!FileManager.default.fileExists(atPath: other.keyFile.path), "a refused init leaves no key behind")
    }

    @Test func secondInitRefusesAndChangesNothing() throws {
        let box = try Sandbox()
        let id = try box.initNode()
        let key = try box.contents(box.keyFile)
        let config = try box.contents(box.configFile)

        let again = try box.vouch(["init", "--json"])
        again.expectFailure(73, code: "already-initialized")
        #expect(again.errorMessage.contains("nothing was changed"))
        try box.vouch(["init"]).expectFailure(73)
        #expect(try box.contents(box.keyFile) == key)
        #expect(try box.contents(box.configFile) == config)
        #expect(try box.vouch(["id", "--json"]).json()["id"] as? String == id)
    }

    @Test func idPrintsTheLongAndShortForms() throws {
        let box = try Sandbox()
        let id = try box.initNode()
        let text = try box.vouch(["id"])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [id, "short: \(id.prefix(7))"])
        // Eight groups of seven uppercase base32 characters.
        let groups = id.split(separator: "-")
        #expect(groups.count == 8)
        #expect(groups.allSatisfy { $0.count == 7 && $0.allSatisfy { ("A"..."Z").contains($0) || ("2"..."7").contains($0) } })

        let json = try box.vouch(["id", "--json"]).json()
        #expect(json["id"] as? String == id)
        #expect(json["short_id"] as? String == String(id.prefix(7)))
        let publicKey = try #require(json["public_key"] as? String)
        #expect(publicKey.count == 64 && publicKey.allSatisfy(\.isHexDigit))
    }

    @Test func twoHomesHaveDifferentIDs() throws {
        let box = try Sandbox()
        let a = try box.initNode()
        let b = try box.initNode(home: box.path("second"))
        #expect(a != b)
    }

    @Test func idOnAMissingHomeIsNotInitialized() throws {
        let box = try Sandbox()
        try box.vouch(["id", "--json"]).expectFailure(66, code: "not-initialized")
        let text = try box.vouch(["id"])
        text.expectFailure(66)
        #expect(text.stderr.hasPrefix("vouch: error: no Vouch node at \(box.home.path)"))
        #expect(text.stderr.split(separator: "\n").count == 1, "errors are one line")
        #expect(!FileManager.default.fileExists(atPath: box.home.path), "a read command creates nothing")
        for command in [["profile", "show"], ["profile", "set", "--name", "X"], ["profile", "export"]] {
            try box.vouch(command + ["--json"]).expectFailure(66, code: "not-initialized")
        }
    }

    @Test func homeComesFromVouchHomeThenXDGThenHOME() throws {
        let box = try Sandbox()
        let viaVouchHome = box.path("via-vouch-home")
        let id = try #require(try box.vouch(["init", "--json"], useHome: false, environment: ["VOUCH_HOME": viaVouchHome.path]).json()["id"] as? String)
        #expect(FileManager.default.fileExists(atPath: viaVouchHome.appendingPathComponent("identity.key").path))
        // --home wins over $VOUCH_HOME.
        try box.vouch(["id", "--json"], environment: ["VOUCH_HOME": viaVouchHome.path]).expectFailure(66, code: "not-initialized")

        let xdg = box.path("xdg")
        try box.vouch(["init"], useHome: false, environment: ["XDG_DATA_HOME": xdg.path])
        #expect(FileManager.default.fileExists(atPath: xdg.appendingPathComponent("vouch/identity.key").path))

        try box.vouch(["init"], useHome: false)
        #expect(FileManager.default.fileExists(atPath: box.userHome.appendingPathComponent(".local/share/vouch/identity.key").path))
        #expect(try box.vouch(["id", "--json"], useHome: false, environment: ["VOUCH_HOME": viaVouchHome.path]).json()["id"] as? String == id)
    }

    @Test func interruptedInitIsReportedAndFinishedByInitAgain() throws {
        let box = try Sandbox()
        let id = try box.initNode()
        let key = try box.contents(box.keyFile)
        let config = try box.contents(box.configFile)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: box.databaseFile.path + suffix) }

        for command in [["id"], ["profile", "show"], ["profile", "set", "--name", "X"], ["profile", "export"]] {
            let result = try box.vouch(command + ["--json"])
            result.expectFailure(78, code: "incomplete")
            #expect(result.errorMessage.contains("vouch init"), "\(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: box.databaseFile.path), "reporting an incomplete home does not create the database")

        let again = try box.vouch(["init", "--json"])
        #expect(again.status == 0, "\(again)")
        #expect(try again.json()["id"] as? String == id)
        #expect(try box.contents(box.keyFile) == key)
        #expect(try box.contents(box.configFile) == config)
        #expect(try box.vouch(["id", "--json"]).json()["id"] as? String == id)
        try box.vouch(["init", "--json"]).expectFailure(73, code: "already-initialized")
    }
}
