import Foundation
import Testing
import VouchTestKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The node home and its database as commands find them: damaged, someone else's, or only read.
@Suite("node home: damage, other users, read-only commands")
struct HomeAndDatabaseTests {
    /// The bytes and modification time of a file, to show that nothing wrote to it.
    struct FileState: Equatable {
        let bytes: Data
        let modified: Date

        init(_ url: URL) throws {
            bytes = try Data(contentsOf: url)
            modified = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date)
        }
    }

    @Test func readOnlyCommandsDoNotWriteTheDatabase() throws {
        let box = try Sandbox()
        try box.initNode()
        try #require(try box.vouch(["profile", "set", "--name", "Ada Lovelace"]).status == 0)
        let before = try FileState(box.databaseFile)

        for command in [["id"], ["profile", "show"], ["profile"], ["profile", "export"], ["address"], ["status"]] {
            let result = try box.vouch(command + ["--json"])
            // `status` needs the daemon, which is not running here: 69, and it does not touch the database.
            #expect(result.status == (command == ["status"] ? 69 : 0), "\(result)")
            #expect(try FileState(box.databaseFile) == before, "vouch \(command.joined(separator: " ")) changed node.sqlite")
        }
        // A write still works after them (the read-only opens left nothing locked or half-made).
        #expect(try box.vouch(["profile", "set", "--name", "Ada"]).status == 0)
        #expect(try FileState(box.databaseFile) != before)
    }

    @Test func aDamagedIdentityCellIsADatabaseErrorAndInitDoesNotWriteOverIt() throws {
        let box = try Sandbox()
        try box.initNode()
        let publicKey = try #require(try box.vouch(["id", "--json"]).json()["public_key"] as? String)
        // Checkpointed by the commands' last close: the row is in node.sqlite itself.
        let wal = box.home.appendingPathComponent("node.sqlite-wal")
        try #require((try? Data(contentsOf: wal))?.isEmpty ?? true, "node.sqlite-wal holds frames; the patch below would miss them")

        // In the identity record the header's serial type of the 32-byte key (2·32+12 = 0x4C) is two
        // bytes before the key; 0 makes the cell NULL, which the schema (NOT NULL) forbids.
        var bytes = try box.contents(box.databaseFile)
        let key = Data(stride(from: 0, to: publicKey.count, by: 2).map {
            UInt8(publicKey[publicKey.index(publicKey.startIndex, offsetBy: $0)...].prefix(2), radix: 16)!
        })
        let found = try #require(bytes.range(of: key), "the public key is not in node.sqlite")
        try #require(bytes[found.lowerBound - 2] == 0x4C, "not the record layout this test expects")
        bytes[found.lowerBound - 2] = 0
        try bytes.write(to: box.databaseFile)
        let damaged = try FileState(box.databaseFile)

        // Commands that only read, and init's checks, do not write to it at all.
        for command in [["id"], ["profile", "show"], ["address"], ["init"], ["init"], ["profile", "set", "--name", "X"]] {
            let result = try box.vouch(command + ["--json"])
            result.expectFailure(74, code: "database")
            #expect(result.errorMessage.contains("damaged") && result.errorMessage.contains("backup"), "\(result)")
            #expect(!result.errorMessage.contains("vouch init"), "damage is not an interrupted init: \(result)")
            if command.first != "profile" {
                #expect(try FileState(box.databaseFile) == damaged, "vouch \(command.joined(separator: " ")) wrote to the damaged database")
            }
        }
    }

    @Test func aNegativeProfileVersionIsADatabaseErrorNotACrash() throws {
        let box = try Sandbox()
        try box.initNode()
        // What only a damaged file or a hand edit can hold: the schema's CHECK (version >= 0) bypassed.
        let python = try ChildProcess.find("python3")
        let edit = try box.run(executable: python, arguments: ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("PRAGMA ignore_check_constraints = ON")
            db.execute("UPDATE profile SET version = -5")
            db.commit()
            db.close()
            """, box.databaseFile.path], environment: box.environment([:]), stdin: nil)
        try #require(edit.status == 0, "\(edit)")

        for command in [["profile", "show"], ["profile", "set", "--name", "X"], ["profile", "export"]] {
            let result = try box.vouch(command + ["--json"])
            result.expectFailure(74, code: "database")
            #expect(result.errorMessage.contains("damaged") && result.errorMessage.contains("version"), "\(result)")
        }
    }

    /// Root reads everything, so the other user is `nobody`, through setpriv(1).
    @Test(.enabled(if: geteuid() == 0, "needs root to run a command as another user"))
    func anotherUsersHomeIsPermissionDeniedNotUninitialized() throws {
        let box = try Sandbox()
        try box.initNode()
        // Others may pass through the sandbox to the home, which init made 0700 and root's.
        chmod(box.root.path, 0o755)
        chmod(box.userHome.path, 0o777)
        #expect(try box.mode(box.home) == 0o700)
        let setpriv = try ChildProcess.find("setpriv")
        for command in [["status"], ["id"], ["profile", "show"], ["card", "list"], ["init"]] {
            let result = try box.run(
                executable: setpriv,
                arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", VouchBinary.url.path]
                    + command + ["--json", "--home", box.home.path],
                environment: box.environment([:]), stdin: nil)
            result.expectFailure(77, code: "permission-denied")
            #expect(result.errorMessage.contains("permission denied"), "\(result)")
            #expect(!result.errorMessage.contains("vouch init"), "\(result)")
        }
    }
}
