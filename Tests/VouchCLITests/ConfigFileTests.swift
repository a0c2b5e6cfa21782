import Foundation
import Testing

/// `init` writes config.json; `address` (and `run`) read it. A bad file is a clear error with
/// status 78 that names the file, and it is never rewritten behind the user's back.
@Suite("config.json")
struct ConfigFileTests {
    @Test func addressUsesTheConfig() throws {
        let box = try Sandbox()
        let id = try box.initNode()
        try Data(#"{"listen": "0.0.0.0:7868", "advertise": ["ada.example.org:7000"]}"#.utf8).write(to: box.configFile)
        let result = try box.vouch(["address", "--json"])
        #expect(result.status == 0, "\(result)")
        #expect(try result.json()["address"] as? String == "\(id)@ada.example.org:7000")
    }

    @Test(arguments: [
        (#"{"listen": "0.0.0.0:7868", "listne": "0.0.0.0:1"}"#, "unknown setting \"listne\""),
        (#"{"listen": "#, "not valid JSON"),
        ("", "not valid JSON"),
        (#"["0.0.0.0:7868"]"#, "JSON object"),
        (#"{"listen": 7868}"#, "\"listen\""),
        (#"{"listen": "nowhere"}"#, "no port"),
    ])
    func aBadConfigIsAClearError(contents: String, mentions: String) throws {
        let box = try Sandbox()
        try box.initNode()
        try Data(contents.utf8).write(to: box.configFile)
        let result = try box.vouch(["address", "--json"])
        result.expectFailure(78, code: "invalid-config")
        #expect(result.errorMessage.contains(box.configFile.path) && result.errorMessage.contains(mentions), "\(result)")
        #expect(try Data(contentsOf: box.configFile) == Data(contents.utf8))
        // Commands that do not need the config still work.
        #expect(try box.vouch(["id"]).status == 0)
    }
}
