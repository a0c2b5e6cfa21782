import Foundation
import Testing
import VouchTestKit

/// The outbox across restarts and crashes, and the event stream, with real daemons.
@Suite("daemon: outbox, cards and events")
struct OutboxTests {
    /// Short timeouts so failed attempts are quick.
    static let fastLimits = ["request_timeout_seconds": 2, "handshake_timeout_seconds": 2]

    @Test("a card for a node that is down is retried, survives a restart of the sender, and arrives once when the node comes up")
    func outboxSurvivesRestart() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a", limits: Self.fastLimits), b = try await net.makeNode("b", limits: Self.fastLimits)
            let version1 = try await net.setProfile(a, name: "Ada Lovelace", headline: "Analyst")
            var daemonA = try await net.start(a)
            let bAddress = try await net.address(b)

            let sent = try await net.vouchJSON(["card", "send", bAddress], on: a)
            let message = try #require(sent["message"] as? String, "\(describe(sent))")
            #expect(sent["peer"] as? String == b.id, "\(describe(sent))")
            #expect(sent["version"] as? Int == version1, "\(describe(sent))")

            // B is down: attempts fail, are counted and explained.
            let firstAttempts = try await eventually("a failed attempt in A's outbox", interval: .milliseconds(100)) { (seen: inout String) async throws -> Int? in
                let outbox = try await net.outbox(a)
                seen = describe(outbox)
                guard outbox.count == 1, outbox[0]["message"] as? String == message, outbox[0]["peer"] as? String == b.id,
                      let attempts = outbox[0]["attempts"] as? Int, attempts >= 1,
                      let error = outbox[0]["last_error"] as? String, !error.isEmpty else { return nil }
                return attempts
            }
            let attempts = try await eventually("the attempts to grow past \(firstAttempts)", interval: .milliseconds(100)) { (seen: inout String) async throws -> Int? in
                let outbox = try await net.outbox(a)
                seen = describe(outbox)
                guard outbox.count == 1, let attempts = outbox[0]["attempts"] as? Int, attempts > firstAttempts,
                      (outbox[0]["last_error"] as? String)?.isEmpty == false else { return nil }
                return attempts
            }
            let status = try await net.status(a)
            #expect(status["queued_messages"] as? Int == 1, "\(describe(status))")

            // A restarts: the message is still queued, its attempts kept.
            let stopped = try await daemonA.stop()
            #expect(stopped.succeeded, "\(stopped)")
            daemonA = try await net.start(a)
            let afterRestart = try await net.outbox(a)
            #expect(afterRestart.count == 1 && afterRestart.first?["message"] as? String == message, "\(describe(afterRestart))")
            #expect((afterRestart.first?["attempts"] as? Int).map { $0 >= attempts } == true, "\(describe(afterRestart))")

            // B comes up: delivered (within the backoff), stored once.
            _ = try await net.start(b)
            _ = try await eventually("A's outbox to empty once B runs", timeout: .seconds(40), interval: .milliseconds(100)) { (seen: inout String) async throws -> Bool? in
                let outbox = try await net.outbox(a)
                seen = describe(outbox)
                return outbox.isEmpty ? true : nil
            }
            let cards = try await net.cards(b)
            #expect(cards.count == 1, "\(describe(cards))")
            let card = try #require(cards.first { $0["signer"] as? String == a.id }, "\(describe(cards))")
            #expect(card["version"] as? Int == version1, "\(describe(card))")
            #expect((card["fields"] as? [String: Any])?["name"] as? String == "Ada Lovelace", "\(describe(card))")
            #expect((card["fields"] as? [String: Any])?["headline"] as? String == "Analyst", "\(describe(card))")
            #expect(card["from"] as? String == a.id, "\(describe(card))")

            // A newer version replaces it; still one card for A.
            let version2 = try await net.setProfile(a, name: "Ada King")
            #expect(version2 > version1)
            let resent = try await net.vouchJSON(["card", "send", bAddress], on: a)
            #expect(resent["version"] as? Int == version2, "\(describe(resent))")
            let updated = try await eventually("B to hold version \(version2) of A's card", interval: .milliseconds(100)) { (seen: inout String) async throws -> [[String: Any]]? in
                let cards = try await net.cards(b)
                seen = describe(cards)
                let fromA = cards.filter { $0["signer"] as? String == a.id }
                return fromA.count == 1 && fromA[0]["version"] as? Int == version2 ? cards : nil
            }
            #expect(updated.count == 1, "\(describe(updated))")
            #expect((updated.first?["fields"] as? [String: Any])?["name"] as? String == "Ada King", "\(describe(updated))")
            _ = try await eventually("A's outbox to empty again", interval: .milliseconds(100)) { (seen: inout String) async throws -> Bool? in
                let outbox = try await net.outbox(a)
                seen = describe(outbox)
                return outbox.isEmpty ? true : nil
            }
            #expect(daemonA.isRunning)
        }
    }

    @Test("SIGKILL right after card send returned: after a restart the card is still queued and is delivered")
    func crashKeepsQueuedMessage() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a", limits: Self.fastLimits), b = try await net.makeNode("b", limits: Self.fastLimits)
            let version = try await net.setProfile(a, name: "Grace Hopper")
            let daemonA = try await net.start(a)
            let sent = try await net.vouchJSON(["card", "send", b.address], on: a)
            let message = try #require(sent["message"] as? String, "\(describe(sent))")
            daemonA.crash()

            // The socket file is left behind by the crash; the CLI still says the daemon is not running.
            let down = try await net.vouch(["status", "--json"], on: a)
            expectFailure(down, 69, code: "daemon-not-running")

            _ = try await net.start(a)
            let outbox = try await net.outbox(a)
            #expect(outbox.count == 1 && outbox.first?["message"] as? String == message, "\(describe(outbox))")

            _ = try await net.start(b)
            _ = try await eventually("A's outbox to empty once B runs", timeout: .seconds(40), interval: .milliseconds(100)) { (seen: inout String) async throws -> Bool? in
                let outbox = try await net.outbox(a)
                seen = describe(outbox)
                return outbox.isEmpty ? true : nil
            }
            let cards = try await net.cards(b)
            #expect(cards.count == 1, "\(describe(cards))")
            #expect(cards.first?["signer"] as? String == a.id, "\(describe(cards))")
            #expect(cards.first?["version"] as? Int == version, "\(describe(cards))")
            #expect((cards.first?["fields"] as? [String: Any])?["name"] as? String == "Grace Hopper", "\(describe(cards))")
        }
    }

    @Test("vouch events --json on B sees session.opened and card.received when A sends its card")
    func events() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b"), c = try await net.makeNode("c")
            let version = try await net.setProfile(a, name: "Katherine Johnson")
            _ = try await net.setProfile(b, name: "Dorothy Vaughan")
            _ = try await net.start(a)
            _ = try await net.start(b)
            try net.checkBinary()
            let events = try net.spawn(VouchBinary.url, ["events", "--json", "--home", b.home.path])

            func parsed() throws -> [[String: Any]] {
                try events.stdoutLines.map { try JSON.object($0, what: "a line of vouch events --json") }
            }
            // Nothing says when the subscription is in place, so B queues a card for C (not running)
            // until its outbox.queued shows up; only then does A act.
            _ = try await eventually("vouch events to report B's own outbox.queued", interval: .milliseconds(100)) { (seen: inout String) async throws -> Bool? in
                if !events.isRunning { throw TestFailure("vouch events ended: \(events.result)") }
                let lines = try parsed()
                seen = describe(lines)
                if lines.contains(where: { $0["type"] as? String == "outbox.queued" }) { return true }
                _ = try await net.vouchJSON(["card", "send", c.address], on: b)
                try await Task.sleep(for: .milliseconds(400))
                return nil
            }

            _ = try await net.vouchJSON(["card", "send", b.address], on: a)
            let lines = try await eventually("session.opened and card.received on B", interval: .milliseconds(100)) { (seen: inout String) async throws -> [[String: Any]]? in
                let lines = try parsed()
                seen = describe(lines) + "\n  stderr: \(events.stderr)"
                let types = lines.compactMap { $0["type"] as? String }
                return types.contains("session.opened") && types.contains("card.received") ? lines : nil
            }
            for line in lines {
                #expect(line["time"] is String && line["data"] is [String: Any], "\(describe(line))")
            }
            let opened = try #require(lines.first { $0["type"] as? String == "session.opened" })
            #expect((opened["data"] as? [String: Any])?["peer"] as? String == a.id, "\(describe(opened))")
            let received = try #require(lines.first { $0["type"] as? String == "card.received" })
            let data = received["data"] as? [String: Any]
            #expect(data?["signer"] as? String == a.id, "\(describe(received))")
            #expect(data?["version"] as? Int == version, "\(describe(received))")
            let types = lines.compactMap { $0["type"] as? String }
            #expect(types.firstIndex(of: "session.opened")! < types.firstIndex(of: "card.received")!, "\(types)")
            #expect(events.isRunning, "vouch events stopped: \(events.stderr)")
        }
    }
}
