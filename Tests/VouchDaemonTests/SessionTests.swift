import Foundation
import Testing
import VouchTestKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Real `vouch run` processes talking to each other, driven through the CLI only.
@Suite("daemon: sessions, ping, status, errors, shutdown")
struct SessionTests {
    @Test("two nodes: ping proves B over TLS 1.3, and both statuses show the session")
    func pingAndStatus() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            _ = try await net.start(a)
            _ = try await net.start(b)
            let bAddress = try await net.address(b)
            #expect(bAddress == b.address)

            let ping = try await net.vouchJSON(["ping", bAddress], on: a)
            #expect(ping["peer"] as? String == b.id, "\(describe(ping))")
            #expect(ping["tls_version"] as? String == "TLSv1.3", "\(describe(ping))")
            let cipher = try #require(ping["cipher"] as? String, "\(describe(ping))")
            #expect(cipher.hasPrefix("TLS_"), "\(describe(ping))")
            let rtt = try #require(ping["rtt_ms"] as? Double, "\(describe(ping))")
            #expect(rtt >= 0)

            let text = try await net.vouch(["ping", bAddress], on: a)
            #expect(text.succeeded, "\(text)")
            #expect(text.stdout.contains(b.id), "\(text)")
            #expect(text.stdout.contains("TLSv1.3"), "\(text)")
            #expect(text.stdout.contains(cipher), "\(text)")
            #expect(text.stdout.contains(" ms"), "\(text)")
            #expect(text.stderr.isEmpty, "\(text)")

            for (node, other) in [(a, b), (b, a)] {
                let status = try await eventually("\(node.name)'s status to show one session with \(other.name)", interval: .milliseconds(100)) { (seen: inout String) async throws -> [String: Any]? in
                    let status = try await net.status(node)
                    seen = describe(status)
                    let sessions = status["sessions"] as? [[String: Any]] ?? []
                    return sessions.count == 1 && sessions[0]["peer"] as? String == other.id ? status : nil
                }
                #expect(status["id"] as? String == node.id, "\(describe(status))")
                #expect(status["session_count"] as? Int == 1, "\(describe(status))")
                #expect(status["queued_messages"] as? Int == 0, "\(describe(status))")
                #expect((status["uptime_seconds"] as? Int).map { $0 >= 0 } == true, "\(describe(status))")
                let session = try #require((status["sessions"] as? [[String: Any]])?.first)
                #expect(session["tls_version"] as? String == "TLSv1.3", "\(describe(status))")
                #expect(session["direction"] as? String == (node === a ? "outbound" : "inbound"), "\(describe(status))")
            }
        }
    }

    @Test("an address with a third node's ID at B's host:port fails with 76 peer-key-mismatch; B keeps serving")
    func pinnedIdentity() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b"), c = try await net.makeNode("c")
            _ = try await net.start(a)
            let daemonB = try await net.start(b)
            let forged = "\(c.id)@127.0.0.1:\(b.port)"

            let json = try await net.vouch(["ping", forged, "--json"], on: a)
            expectFailure(json, 76, code: "peer-key-mismatch")
            let text = try await net.vouch(["ping", forged], on: a)
            expectFailure(text, 76)

            #expect(daemonB.isRunning)
            let ping = try await net.vouchJSON(["ping", b.address], on: a)
            #expect(ping["peer"] as? String == b.id, "\(describe(ping))")
        }
    }

    @Test("without a daemon: status, ping and card list exit 69; a second vouch run exits 73 and the first keeps running")
    func daemonNotRunning() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            for command in [["status"], ["ping", b.address], ["card", "list"]] {
                let text = try await net.vouch(command, on: a)
                expectFailure(text, 69)
                #expect(text.stderr.hasPrefix("vouch: error:"), "\(text)")
                let json = try await net.vouch(command + ["--json"], on: a)
                expectFailure(json, 69, code: "daemon-not-running")
            }

            let first = try await net.start(a)
            let second = try await net.vouch(["run", "--json"], on: a, timeout: .seconds(20))
            expectFailure(second, 73, code: "already-running")
            let secondText = try await net.vouch(["run"], on: a, timeout: .seconds(20))
            expectFailure(secondText, 73)
            #expect(first.isRunning, "the first daemon stopped:\n\(first.stderr)")
            let status = try await net.status(a)
            #expect(status["id"] as? String == a.id)
            #expect(FileManager.default.fileExists(atPath: a.adminSocket.path), "the second run removed the first one's socket")
        }
    }

    @Test("ping to a port nobody listens on exits 75 unreachable")
    func unreachablePeer() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            _ = try await net.start(a)
            let nobody = "\(b.id)@127.0.0.1:\(try Ports.free())"
            let json = try await net.vouch(["ping", nobody, "--json"], on: a)
            expectFailure(json, 75, code: "unreachable")
            let text = try await net.vouch(["ping", nobody], on: a)
            expectFailure(text, 75)
        }
    }

    @Test("SIGTERM: exit 0, admin.sock and admin.cookie removed, the peer sees the session close")
    func gracefulShutdown() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            let daemonA = try await net.start(a)
            _ = try await net.start(b)
            _ = try await net.vouchJSON(["ping", b.address], on: a)
            _ = try await eventually("B to have a session with A", interval: .milliseconds(100)) { (seen: inout String) async throws -> Bool? in
                let status = try await net.status(b)
                seen = describe(status)
                return status["session_count"] as? Int == 1 ? true : nil
            }

            // A follower of the event stream must not hold the daemon up.
            try net.checkBinary()
            let events = try net.spawn(VouchBinary.url, ["events", "--json", "--home", a.home.path])

            let result = try await daemonA.stop()
            #expect(result.succeeded, "\(result)")
            #expect(result.stdoutLines.count == 1, "stdout should hold only the ready line: \(result)")
            #expect(!FileManager.default.fileExists(atPath: a.adminSocket.path), "admin.sock is left behind")
            #expect(!FileManager.default.fileExists(atPath: a.adminCookie.path), "admin.cookie is left behind")

            _ = try await eventually("B's session with A to close", interval: .milliseconds(100)) { (seen: inout String) async throws -> Bool? in
                let status = try await net.status(b)
                seen = describe(status)
                return status["session_count"] as? Int == 0 && (status["sessions"] as? [Any])?.isEmpty == true ? true : nil
            }
            let after = try await net.vouch(["status", "--json"], on: a)
            expectFailure(after, 69, code: "daemon-not-running")
            let ended = try #require(await events.waitForExit(timeout: .seconds(20)), "vouch events kept running after the daemon stopped")
            #expect(ended.stderr.hasSuffix("\n") && !ended.stderr.dropLast().contains("\n"), "\(ended)")
        }
    }

    @Test("SIGINT stops the daemon gracefully too")
    func interrupt() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a")
            let daemon = try await net.start(a)
            daemon.child.signal(SIGINT)
            let result = try #require(await daemon.child.waitForExit(timeout: .seconds(20)), "vouch run ignored SIGINT")
            #expect(result.succeeded, "\(result)")
            #expect(!FileManager.default.fileExists(atPath: a.adminSocket.path), "admin.sock is left behind")
            #expect(!FileManager.default.fileExists(atPath: a.adminCookie.path), "admin.cookie is left behind")
        }
    }

    @Test("SIGTERM while the outbox is in a TLS handshake with a peer that never answers: the daemon stops without waiting for the handshake timeout, the message stays queued")
    func shutdownDuringHandshake() async throws {
        try await TestNet.run { net in
            // A handshake timeout far beyond the deadline below: stopping in time means the dial was abandoned.
            let a = try await net.makeNode("a", limits: ["handshake_timeout_seconds": 600]), c = try await net.makeNode("c")
            _ = try await net.setProfile(a, name: "Ada")
            let silent = try SilentListener()
            let daemon = try await net.start(a)
            let sent = try await net.vouchJSON(["card", "send", "\(c.id)@127.0.0.1:\(silent.port)"], on: a)
            try await silent.waitForConnection()

            daemon.child.signal(SIGTERM)
            let result = try #require(await daemon.child.waitForExit(timeout: .seconds(20)),
                                      "vouch run did not stop within 20 s of SIGTERM while dialing a silent peer:\n\(daemon.stderr)")
            #expect(result.succeeded, "\(result)")
            #expect(!FileManager.default.fileExists(atPath: a.adminSocket.path), "admin.sock is left behind")

            _ = try await net.start(a)
            let outbox = try await net.outbox(a)
            #expect(outbox.count == 1 && outbox.first?["message"] as? String == sent["message"] as? String, "\(describe(outbox))")
            withExtendedLifetime(silent) {}
        }
    }

    @Test("SIGTERM while `vouch ping` is in a TLS handshake with a peer that never answers: the daemon stops without waiting for the handshake timeout, and ping fails")
    func shutdownDuringPing() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a", limits: ["handshake_timeout_seconds": 600]), c = try await net.makeNode("c")
            let silent = try SilentListener()
            let daemon = try await net.start(a)
            let ping = try net.spawn(VouchBinary.url, ["ping", "--home", a.home.path, "\(c.id)@127.0.0.1:\(silent.port)"])
            try await silent.waitForConnection()

            daemon.child.signal(SIGTERM)
            let result = try #require(await daemon.child.waitForExit(timeout: .seconds(20)),
                                      "vouch run did not stop within 20 s of SIGTERM while a ping dialed a silent peer:\n\(daemon.stderr)")
            #expect(result.succeeded, "\(result)")
            let pinged = try #require(await ping.waitForExit(timeout: .seconds(20)), "vouch ping kept running after the daemon stopped")
            #expect(!pinged.succeeded, "a ping to a silent peer reported success: \(pinged)")
            withExtendedLifetime(silent) {}
        }
    }

    @Test("SIGTERM while the outbox waits for a TCP connect that is never answered: the daemon stops without waiting for the connect timeout")
    func shutdownDuringConnect() async throws {
        try await TestNet.run { net in
            // The connect timeout is the handshake timeout: far beyond the deadline below.
            let a = try await net.makeNode("a", limits: ["handshake_timeout_seconds": 600]), c = try await net.makeNode("c")
            _ = try await net.setProfile(a, name: "Ada")
            let blackhole = try SilentListener(full: true)
            let daemon = try await net.start(a)
            let before = blackhole.connectsInProgress
            #expect(before >= 1, "the blackhole's own connection is not in SYN_SENT")
            let sent = try await net.vouchJSON(["card", "send", "\(c.id)@127.0.0.1:\(blackhole.port)"], on: a)
            _ = try await eventually("the daemon's SYN to the blackhole", interval: .milliseconds(100)) { seen in
                seen = "\(blackhole.connectsInProgress) connects in progress, \(before) before"
                return blackhole.connectsInProgress > before ? true : nil
            }

            daemon.child.signal(SIGTERM)
            let result = try #require(await daemon.child.waitForExit(timeout: .seconds(20)),
                                      "vouch run did not stop within 20 s of SIGTERM while connecting to a blackhole:\n\(daemon.stderr)")
            #expect(result.succeeded, "\(result)")

            _ = try await net.start(a)
            let outbox = try await net.outbox(a)
            #expect(outbox.count == 1 && outbox.first?["message"] as? String == sent["message"] as? String, "\(describe(outbox))")
            withExtendedLifetime(blackhole) {}
        }
    }

    @Test("while running, admin.sock and admin.cookie are 0600 and the home 0700")
    func permissions() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a")
            _ = try await net.start(a)
            #expect(try mode(a.adminSocket) == 0o600)
            #expect(try mode(a.adminCookie) == 0o600)
            #expect(try mode(a.home) == 0o700)
            #expect(try fileType(a.adminSocket) == S_IFSOCK)
        }
    }
}

/// Expects a failed command: `status`, nothing on stdout, one line on stderr, and with `code`
/// (for `--json` runs) that error code and exit status in the JSON error object.
func expectFailure(_ result: ProcessResult, _ status: Int32, code: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == status && !result.signaled, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stdoutData.isEmpty, "a failed command printed to stdout: \(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasSuffix("\n") && !result.stderr.dropLast().contains("\n"), "stderr is not one line: \(result)",
            sourceLocation: sourceLocation)
    if let code {
        let error = try? result.jsonError()
        #expect(error?["code"] as? String == code, "\(result)", sourceLocation: sourceLocation)
        #expect(error?["exit_status"] as? Int == Int(status), "\(result)", sourceLocation: sourceLocation)
        #expect((error?["message"] as? String)?.isEmpty == false, "\(result)", sourceLocation: sourceLocation)
    }
}

func mode(_ url: URL) throws -> mode_t {
    var info = stat()
    guard lstat(url.path, &info) == 0 else { throw TestFailure("cannot stat \(url.path): \(String(cString: strerror(errno)))") }
    return info.st_mode & 0o7777
}

func fileType(_ url: URL) throws -> mode_t {
    var info = stat()
    guard lstat(url.path, &info) == 0 else { throw TestFailure("cannot stat \(url.path): \(String(cString: strerror(errno)))") }
    return info.st_mode & S_IFMT
}

extension ProcessResult {
    var stdoutLines: [Substring] { stdout.split(separator: "\n") }
}
