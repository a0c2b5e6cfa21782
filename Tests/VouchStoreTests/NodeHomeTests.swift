import Foundation
import Testing
import VouchStore
import VouchTestKit

@Suite("NodeHome")
struct NodeHomeTests {
    @Test func explicitWinsOverEverything() {
        let env = ["VOUCH_HOME": "/v", "XDG_DATA_HOME": "/x", "HOME": "/h"]
        #expect(NodeHome.resolve(explicit: "/e/node", environment: env).path == "/e/node")
    }

    @Test func vouchHomeWinsOverXDGAndHome() {
        #expect(NodeHome.resolve(explicit: nil, environment: ["VOUCH_HOME": "/v", "XDG_DATA_HOME": "/x", "HOME": "/h"]).path == "/v")
        // An empty --home counts as not given.
        #expect(NodeHome.resolve(explicit: "", environment: ["VOUCH_HOME": "/v"]).path == "/v")
    }

    @Test func xdgDataHomeThenHome() {
        #expect(NodeHome.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"]).path == "/x/vouch")
        #expect(NodeHome.resolve(explicit: nil, environment: ["VOUCH_HOME": "", "XDG_DATA_HOME": "/x", "HOME": "/h"]).path == "/x/vouch")
        // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
        #expect(NodeHome.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "relative", "HOME": "/h"]).path == "/h/.local/share/vouch")
        #expect(NodeHome.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "", "HOME": "/h"]).path == "/h/.local/share/vouch")
        #expect(NodeHome.resolve(explicit: nil, environment: ["HOME": "/h"]).path == "/h/.local/share/vouch")
    }

    @Test func relativeAndUnnormalizedPaths() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(NodeHome.resolve(explicit: "node", environment: [:]).path == URL(fileURLWithPath: cwd).appendingPathComponent("node").path)
        #expect(NodeHome.resolve(explicit: "/a/./b/../c", environment: [:]).path == "/a/c")
    }

    @Test func filesInTheHome() {
        let home = NodeHome(url: URL(fileURLWithPath: "/n"))
        #expect(home.keyFile.path == "/n/identity.key")
        #expect(home.databaseFile.path == "/n/node.sqlite")
        #expect(home.configFile.path == "/n/config.json")
    }

    @Test func createDirectoryIsOwnerOnlyAndTightensAnExistingOne() throws {
        let dir = try TemporaryDirectory()
        let home = NodeHome(url: dir.url("a/b/home"))
        try home.createDirectory()
        #expect(home.exists)
        #expect(try dir.mode(home.url) == 0o700)
        #expect(chmod(home.path, 0o755) == 0)
        try home.createDirectory()
        #expect(try dir.mode(home.url) == 0o700)
    }
}
