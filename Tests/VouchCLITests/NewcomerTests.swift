import Foundation
import Testing

/// The command line as a newcomer types it: global options anywhere, typos named as typos, hints
/// that keep the home, and inputs refused with what they are.
@Suite("the command line for a newcomer")
struct NewcomerTests {
    @Test("global options work before the subcommand as after it")
    func globalOptionsFirst() throws {
        let box = try Sandbox()
        let id = try box.initNode()
        let before = try box.vouch(["--home", box.home.path, "--json", "id"], useHome: false)
        #expect(before.status == 0, "\(before)")
        #expect(try before.json()["id"] as? String == id)
        let equals = try box.vouch(["--home=\(box.home.path)", "profile", "show", "--json"], useHome: false)
        #expect(equals.status == 0, "\(equals)")
        let after = try box.vouch(["id", "--json"])
        #expect(after.stdoutData == before.stdoutData)
    }

    @Test("a mistyped command is named, with the nearest one, whatever options follow it", arguments: [
        (["stauts"], "unknown command 'stauts' for 'vouch'; did you mean 'status'?"),
        (["--home", "/nowhere", "stauts"], "unknown command 'stauts' for 'vouch'; did you mean 'status'?"),
        (["profile", "sett"], "unknown command 'sett' for 'vouch profile'; did you mean 'set'?"),
        (["frobnicate"], "unknown command 'frobnicate' for 'vouch' (see 'vouch --help')"),
    ])
    func unknownCommand(arguments: [String], message: String) throws {
        let box = try Sandbox()
        let result = try box.vouch(arguments + ["--json"], useHome: false)
        result.expectFailure(64, code: "usage")
        let text = try box.vouch(arguments, useHome: false)
        #expect(text.status == 64)
        #expect(text.stderr.contains(message), "\(text)")
        #expect(!text.stderr.contains("--home"), "the option is not blamed: \(text)")
    }

    @Test("hints keep a home that is not the default one")
    func hintsKeepTheHome() throws {
        let box = try Sandbox()
        let made = try box.vouch(["init"])
        #expect(made.stdout.contains("Next: vouch profile set --name \"Your Name\" --headline \"What you do\" --home \(box.home.path)"),
                "\(made)")
        let missing = box.path("no node here")
        let status = try box.vouch(["status"], home: missing)
        #expect(status.status == 66)
        #expect(status.stderr.contains("run `vouch init --home '\(missing.path)'`"), "\(status)")
        let notRunning = try box.vouch(["status"])
        #expect(notRunning.status == 69)
        #expect(notRunning.stderr.contains("start it with `vouch run --home \(box.home.path)`"), "\(notRunning)")
        // Output that changed a home other than the default names it.
        let set = try box.vouch(["profile", "set", "--name", "Ada"])
        #expect(set.stdout.hasPrefix("Profile updated to version 1 (node home \(box.home.path))."), "\(set)")
        // The default home needs no --home in its hints.
        let plain = try box.vouch(["init"], useHome: false)
        #expect(plain.status == 0, "\(plain)")
        #expect(plain.stdout.contains("Next: vouch profile set --name \"Your Name\" --headline \"What you do\"\n"), "\(plain)")
    }

    @Test("verify says first what an input is when it is not a Vouch document", arguments: [
        ("config.json", Data(#"{"listen": "0.0.0.0:7868"}"#.utf8), "is not a Vouch document: it looks like JSON"),
        ("empty", Data(), "is not a Vouch document: it is empty"),
        ("blank", Data("  \n\n".utf8), "is not a Vouch document: it holds only white space"),
        ("notes.txt", Data("hello there\n".utf8), "is not a Vouch document: it is text without the -----BEGIN VOUCH SIGNED DOCUMENT----- line"),
        ("key.pem", Data("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n".utf8),
         "is not a Vouch document: it is a PEM private key"),
        ("blob", Data([0x00, 0xFF, 0x13, 0x37]), "is not a Vouch document: it is binary data that is not a signed envelope"),
    ])
    func verifyNonDocuments(name: String, contents: Data, message: String) throws {
        let box = try Sandbox()
        let file = box.path(name)
        try contents.write(to: file)
        let result = try box.vouch(["verify", file.path], useHome: false)
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.hasPrefix("vouch: error: \(file.path) \(message)"), "\(result)")
        let piped = try box.vouch(["verify", "-"], useHome: false, stdin: contents)
        #expect(piped.stderr.hasPrefix("vouch: error: the input \(message)"), "\(piped)")
    }

    @Test func eventsRefusesATypeThatNeverComes() throws {
        let box = try Sandbox()
        try box.initNode()
        let result = try box.vouch(["events", "--type", "bogus"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("no event is called \"bogus\"") && result.stderr.contains("card.received"), "\(result)")
    }

    @Test func runListsTheLogLevels() throws {
        let box = try Sandbox()
        try box.initNode()
        let result = try box.vouch(["run", "--log-level", "verbose"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("(one of trace, debug, info, notice, warning, error, critical)"), "\(result)")
    }
}
