import Foundation
import Testing

@Suite("command line usage and help")
struct UsageTests {
    @Test(arguments: [
        (["--help"], ["init", "id", "profile", "verify", "--version"]),
        (["init", "--help"], ["--home", "--json", "--no-color", "--passphrase-file", "--passphrase-stdin", "--listen"]),
        (["id", "--help"], ["--home", "--json", "eight groups"]),
        (["profile", "--help"], ["show", "set", "export"]),
        (["profile", "show", "--help"], ["--home", "--json"]),
        (["profile", "set", "--help"], ["--name", "--headline", "--organization", "--role", "--location", "--summary",
                                        "--link", "--clear-links", "--endpoint", "--clear-endpoints", "--audience"]),
        (["profile", "export", "--help"], ["--audience", "--binary", "--output", "--passphrase-file", "--passphrase-stdin"]),
        (["verify", "--help"], ["<file>", "--json", "standard input"]),
        (["help", "profile", "set"], ["--name"]),
    ])
    func helpExitsZeroAndNamesTheOptions(arguments: [String], mentions: [String]) throws {
        let box = try Sandbox()
        let result = try box.vouch(arguments, useHome: false)
        #expect(result.status == 0, "\(result)")
        for word in mentions {
            #expect(result.stdout.contains(word), "\(arguments) help does not mention \(word)")
        }
        #expect(!FileManager.default.fileExists(atPath: box.userHome.appendingPathComponent(".local").path))
    }

    @Test func versionPrintsTheVersion() throws {
        let box = try Sandbox()
        let result = try box.vouch(["--version"], useHome: false)
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test(arguments: [
        ["--bogus"],
        ["init", "--bogus"],
        ["id", "extra-argument"],
        ["profile", "set", "--name"],
        ["profile", "export", "--audience", "friends"],
        ["verify"],
        ["nosuchcommand"],
        ["init", "--home"],
    ])
    func usageErrorsExit64(arguments: [String]) throws {
        let box = try Sandbox()
        let text = try box.vouch(arguments, useHome: false)
        text.expectFailure(64)
        #expect(!text.stderr.isEmpty)
        let json = try box.vouch(arguments + ["--json"], useHome: false)
        json.expectFailure(64, code: "usage")
        #expect(!json.errorMessage.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: box.userHome.appendingPathComponent(".local").path))
    }
}
