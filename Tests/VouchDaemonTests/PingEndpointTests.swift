import Foundation
import Testing
import VouchTestKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `vouch ping` claims about the endpoint it reached, and what it refuses.
@Suite("daemon: ping names the endpoint it used")
struct PingEndpointTests {
    @Test("over an existing session, ping names the session's endpoint and says the one given was not contacted")
    func existingSessionIsNamedHonestly() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            _ = try await net.start(a)
            _ = try await net.start(b)
            let bEndpoint = "127.0.0.1:\(b.port)"

            let first = try await net.vouchJSON(["ping", b.address], on: a)
            #expect(first["reused_session"] as? Bool == false, "\(describe(first))")
            #expect(first["endpoint"] as? String == bEndpoint, "\(describe(first))")
            #expect(first["requested_endpoint"] as? String == bEndpoint, "\(describe(first))")
            #expect(first["direction"] as? String == "outbound", "\(describe(first))")
            #expect(first["connect_ms"] is Double, "a new session says how long connecting took: \(describe(first))")

            // Nothing listens on the wrong port: had ping dialed it, it would have failed with 75.
            let wrongPort = try Ports.free()
            let wrong = "\(b.id)@127.0.0.1:\(wrongPort)"
            let reused = try await net.vouchJSON(["ping", wrong], on: a)
            #expect(reused["reused_session"] as? Bool == true, "\(describe(reused))")
            #expect(reused["endpoint"] as? String == bEndpoint, "the endpoint is the session's, not the one given: \(describe(reused))")
            #expect(reused["requested_endpoint"] as? String == "127.0.0.1:\(wrongPort)", "\(describe(reused))")
            #expect(reused["connect_ms"] == nil, "nothing was connected: \(describe(reused))")
            let text = try await net.vouch(["ping", wrong], on: a)
            #expect(text.succeeded, "\(text)")
            #expect(text.stdout.contains("endpoint   \(bEndpoint) (existing outbound session; 127.0.0.1:\(wrongPort) was not contacted)"),
                    "\(text)")

            // B's session with A is inbound: its endpoint is A's source address, never the one given.
            let wrongForA = "\(a.id)@127.0.0.1:\(wrongPort)"
            let inbound = try await net.vouchJSON(["ping", wrongForA], on: b)
            #expect(inbound["reused_session"] as? Bool == true, "\(describe(inbound))")
            #expect(inbound["direction"] as? String == "inbound", "\(describe(inbound))")
            let source = try #require(inbound["endpoint"] as? String, "\(describe(inbound))")
            #expect(source.hasPrefix("127.0.0.1:") && source != "127.0.0.1:\(wrongPort)" && source != "127.0.0.1:\(a.port)",
                    "A's source port, not its listen port: \(describe(inbound))")

            // The status lists the same endpoint for the session.
            let status = try await net.status(a)
            let session = try #require((status["sessions"] as? [[String: Any]])?.first, "\(describe(status))")
            #expect(session["remote"] as? String == bEndpoint, "\(describe(status))")
        }
    }

    @Test("ping and card send to the node's own address are 65 own-address")
    func ownAddressIsRefused() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a")
            _ = try await net.start(a)
            _ = try await net.setProfile(a, name: "Ada")
            for command in [["ping", a.address], ["card", "send", a.address]] {
                let json = try await net.vouch(command + ["--json"], on: a)
                expectFailure(json, 65, code: "own-address")
                let text = try await net.vouch(command, on: a)
                expectFailure(text, 65)
                #expect(text.stderr.contains("this node's own ID"), "\(text)")
            }
            #expect(try await net.outbox(a).isEmpty, "nothing was queued for itself")
            let status = try await net.status(a)
            #expect(status["session_count"] as? Int == 0, "no session with itself: \(describe(status))")
        }
    }

    @Test("vouch run on a home open to others refuses before it binds the peer port")
    func runChecksTheHomeBeforeBinding() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a")
            // Someone holds the peer port: binding first would fail with 78 listen-failed.
            let holder = try SilentListener()
            try a.setPort(holder.port)
            chmod(a.home.path, 0o755)
            let refused = try await net.vouch(["run", "--json"], on: a)
            expectFailure(refused, 77, code: "insecure-permissions")
            #expect(!FileManager.default.fileExists(atPath: a.adminSocket.path))

            // The control: with the home private, the same run gets as far as the port.
            chmod(a.home.path, 0o700)
            let bound = try await net.vouch(["run", "--json"], on: a)
            expectFailure(bound, 78, code: "listen-failed")
        }
    }
}
