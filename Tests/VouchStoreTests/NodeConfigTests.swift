import Foundation
import Testing
import VouchProtocol
import VouchStore
import VouchTestKit

@Suite("NodeConfig")
struct NodeConfigTests {
    private func parse(_ text: String) throws -> NodeConfig {
        try NodeConfig(json: Array(text.utf8), source: "config.json")
    }

    private func expectInvalid(_ text: String, mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let config = try parse(text)
            Issue.record("\(text) parsed as \(config)", sourceLocation: sourceLocation)
        } catch let error as StoreError {
            #expect(error.code == .invalidConfig, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.hasPrefix("config.json"), "the message names the file: \(error)", sourceLocation: sourceLocation)
            for word in words {
                #expect(error.message.contains(word), "\(error) does not mention \(word)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func defaults() throws {
        #expect(NodeConfig.default.listen?.description == "0.0.0.0:7868")
        #expect(NodeConfig.default.advertise.isEmpty)
        #expect(try parse("{}") == .default)
    }

    @Test func parsesEverySetting() throws {
        let config = try parse(#"{"listen": "127.0.0.1:9000", "advertise": ["node.example.org:7868", "[2001:db8::1]:7868"]}"#)
        #expect(config.listen == (try Endpoint(parsing: "127.0.0.1:9000")))
        #expect(config.advertise.map(\.description) == ["node.example.org:7868", "[2001:db8::1]:7868"])
    }

    @Test func roundTripsThroughJSON() throws {
        for config in [NodeConfig.default,
                       NodeConfig(listen: try Endpoint(parsing: "[::1]:7000"), advertise: [try Endpoint(parsing: "a.example:1")])] {
            let json = config.json
            #expect(json.last == 0x0A, "the file ends with a newline")
            #expect(try NodeConfig(json: json, source: "x") == config)
        }
        // Only what differs from the defaults is written for advertise.
        #expect(!String(decoding: NodeConfig.default.json, as: UTF8.self).contains("advertise"))
    }

    @Test("listen none and relays round-trip; a relay endpoint cannot be listened on; bad relay URIs are refused")
    func listenNoneAndRelays() throws {
        let id = "EWAO4YS-CAAPA4F-A5YK5K4-WOS3EIB-QFHRYSY-KWA3R6B-5HYCSFT-O4PWAQO"
        let config = try NodeConfig(json: Array(#"{"listen": "none", "relays": ["relay://127.0.0.1:22067/?id=\#(id)&pingInterval=1m0s"]}"#.utf8), source: "x")
        #expect(config.listen == nil)
        #expect(config.relays.map(\.description) == ["relay://127.0.0.1:22067/?id=\(id)"])
        #expect(try NodeConfig(json: config.json, source: "x") == config)
        #expect(String(decoding: config.json, as: UTF8.self).contains(#""listen" : "none""#))
        expectInvalid(#"{"relays": ["relay://127.0.0.1:22067/"]}"#, mentioning: ["id=RELAY-ID"])
        expectInvalid(#"{"relays": "relay://127.0.0.1:22067/?id=\#(id)"}"#, mentioning: ["\"relays\" must be a list"])
        expectInvalid(#"{"listen": "relay://127.0.0.1:22067/?id=\#(id)&device=\#(id)"}"#, mentioning: ["vouch relay add"])
    }

    @Test func savesAndLoadsInAHome() throws {
        let dir = try TemporaryDirectory()
        let home = NodeHome(url: dir.url)
        #expect(try NodeConfig.load(from: home) == .default, "no file means the defaults")
        let config = NodeConfig(listen: try Endpoint(parsing: "10.0.0.1:7868"))
        try config.save(to: home)
        #expect(try dir.mode(home.configFile) == 0o600)
        #expect(try NodeConfig.load(from: home) == config)
    }

    @Test func loadReportsABadFileByPath() throws {
        let dir = try TemporaryDirectory()
        let home = NodeHome(url: dir.url)
        try Data(#"{"listen": "0.0.0.0:7868", "listne": "x"}"#.utf8).write(to: home.configFile)
        do {
            _ = try NodeConfig.load(from: home)
            Issue.record("loaded a config with an unknown key")
        } catch let error as StoreError {
            #expect(error.code == .invalidConfig)
            #expect(error.message.contains(home.configFile.path) && error.message.contains("\"listne\""), "\(error)")
        }
    }

    @Test func refusesUnknownKeys() {
        expectInvalid(#"{"listne": "0.0.0.0:1"}"#, mentioning: ["unknown setting \"listne\"", "known:", "advertise", "listen"])
        expectInvalid(#"{"listen": "0.0.0.0:1", "zeta": 1, "alpha": 2}"#, mentioning: ["\"alpha\""])
    }

    @Test func refusesInvalidJSON() {
        expectInvalid("", mentioning: ["not valid JSON"])
        expectInvalid("{", mentioning: ["not valid JSON"])
        expectInvalid(#"{"listen": "0.0.0.0:1" "advertise": []}"#, mentioning: ["not valid JSON"])
        expectInvalid("\u{FF}", mentioning: ["not valid JSON"])
        expectInvalid("[]", mentioning: ["JSON object"])
        expectInvalid(#"["0.0.0.0:1"]"#, mentioning: ["JSON object"])
        expectInvalid(#""0.0.0.0:1""#, mentioning: [])
    }

    @Test func refusesInvalidValues() {
        expectInvalid(#"{"listen": 7868}"#, mentioning: ["\"listen\"", "host:port"])
        expectInvalid(#"{"listen": null}"#, mentioning: ["\"listen\""])
        expectInvalid(#"{"listen": "0.0.0.0"}"#, mentioning: ["no port"])
        expectInvalid(#"{"listen": "0.0.0.0:70000"}"#, mentioning: ["port"])
        expectInvalid(#"{"advertise": "a.example:1"}"#, mentioning: ["\"advertise\"", "list"])
        expectInvalid(#"{"advertise": [1]}"#, mentioning: ["\"advertise\""])
        expectInvalid(#"{"advertise": ["bad host:1"]}"#, mentioning: ["bad host"])
    }
}
