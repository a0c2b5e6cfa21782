import Foundation
import Testing
import VouchTestKit

/// The invitation flow between real `vouch run` processes, driven only through the CLI
/// (Protocol/invitations.md).
@Suite("daemon: invitations and connections")
struct InvitationTests {
    static let fastLimits = ["request_timeout_seconds": 2, "handshake_timeout_seconds": 2]
    static let note = "We built the billing system together at Acme; let's stay in touch."

    /// A profile with a name and the endpoint the node listens on, so the other node can answer.
    static func setProfile(_ net: TestNet, _ node: Node, name: String) async throws {
        _ = try await net.vouchJSON(["profile", "set", "--name", name, "--endpoint", "127.0.0.1:\(node.port)"], on: node)
    }

    static func list(_ net: TestNet, _ arguments: [String], on node: Node, key: String) async throws -> [[String: Any]] {
        let result = try await net.vouchJSON(arguments, on: node)
        guard let items = result[key] as? [[String: Any]] else { throw TestFailure("\(arguments) --json has no \(key): \(result)") }
        return items
    }

    static func inbox(_ net: TestNet, _ node: Node, all: Bool = false) async throws -> [[String: Any]] {
        try await list(net, ["inbox"] + (all ? ["--all"] : []), on: node, key: "invitations")
    }

    static func sent(_ net: TestNet, _ node: Node) async throws -> [[String: Any]] {
        try await list(net, ["invitations", "--sent"], on: node, key: "invitations")
    }

    static func connections(_ net: TestNet, _ node: Node) async throws -> [[String: Any]] {
        try await list(net, ["connections"], on: node, key: "connections")
    }

    /// Waits until `read` returns a list for which `matches` holds.
    static func waitFor(_ what: String, _ read: @escaping () async throws -> [[String: Any]],
                        _ matches: @escaping ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        try await eventually(what, timeout: .seconds(45), interval: .milliseconds(150)) { (seen: inout String) async throws -> [[String: Any]]? in
            let items = try await read()
            seen = describe(items)
            return matches(items) ? items : nil
        }
    }

    @Test("invite while the invitee is offline → it waits in the outbox → inbox → question and reply → accept → both hold the same record → export → verify names both → disconnect reaches the other side")
    func inviteAcceptExportDisconnect() async throws {
        try await TestNet.run { net in
            let bob = try await net.makeNode("bob", limits: Self.fastLimits), alice = try await net.makeNode("alice", limits: Self.fastLimits)
            try await Self.setProfile(net, bob, name: "Bob Builder")
            try await Self.setProfile(net, alice, name: "Alice Analyst")
            _ = try await net.start(bob)

            // The CLI refuses an invitation without a note or a relationship, or with a note of spaces.
            expectFailure(try await net.vouch(["invite", alice.address, "--relationship", "colleague", "--json"], on: bob), 64, code: "usage")
            expectFailure(try await net.vouch(["invite", alice.address, "--note", Self.note, "--json"], on: bob), 64, code: "usage")
            expectFailure(try await net.vouch(["invite", alice.address, "--note", "    ", "--relationship", "colleague", "--json"], on: bob),
                          65, code: "invalid-value")
            expectFailure(try await net.vouch(["invite", alice.address, "--note", Self.note, "--relationship", "Colleague", "--json"], on: bob),
                          65, code: "invalid-value")
            expectFailure(try await net.vouch(["invite", bob.address, "--note", Self.note, "--relationship", "colleague", "--json"], on: bob),
                          65, code: "own-address")

            let invited = try await net.vouchJSON(["invite", alice.address, "--note", Self.note, "--relationship", "client",
                                                   "--context", "Acme billing, 2019–2021"], on: bob)
            let sentHandle = try #require(invited["handle"] as? Int, "\(describe(invited))")
            #expect(invited["invitee"] as? String == alice.id, "\(describe(invited))")
            // Alice's node is down: the invitation waits in Bob's outbox.
            let queued = try await net.outbox(bob)
            #expect(queued.count == 1 && queued.first?["type"] as? String == "invitation", "\(describe(queued))")
            // A second invitation to her while the first is pending is refused.
            expectFailure(try await net.vouch(["invite", alice.address, "--note", Self.note, "--relationship", "client", "--json"], on: bob),
                          73, code: "already-invited")

            _ = try await net.start(alice)
            let inbox = try await Self.waitFor("the invitation in Alice's inbox", { try await Self.inbox(net, alice) }) { $0.count == 1 }
            let received = inbox[0]
            let handle = try #require(received["handle"] as? Int, "\(describe(received))")
            #expect(received["inviter"] as? String == bob.id, "\(describe(received))")
            #expect(received["note"] as? String == Self.note, "\(describe(received))")
            #expect(received["relationship"] as? String == "client", "\(describe(received))")
            #expect(received["your_relationship"] as? String == "supplier", "\(describe(received))")
            #expect(received["context"] as? String == "Acme billing, 2019–2021", "\(describe(received))")
            #expect((received["card"] as? [String: Any])?["name"] as? String == "Bob Builder", "\(describe(received))")
            #expect(received["state"] as? String == "pending" && received["expires_at"] is String, "\(describe(received))")

            // Alice asks for context; Bob sees it on his sent invitation and replies; the thread stays attached.
            let asked = try await net.vouchJSON(["ask-context", "\(handle)", "--note", "Could you remind me which project?"], on: alice)
            #expect(asked["state"] as? String == "pending", "\(describe(asked))")
            expectFailure(try await net.vouch(["ask-context", "\(handle)", "--note", "And when?", "--json"], on: alice), 65, code: "question-open")
            _ = try await Self.waitFor("the question on Bob's sent invitation", { try await Self.sent(net, bob) }) { items in
                (items.first?["thread"] as? [[String: Any]])?.first?["note"] as? String == "Could you remind me which project?"
            }
            _ = try await net.vouchJSON(["reply", "\(sentHandle)", "--note", "The invoicing rewrite, spring 2020."], on: bob)
            let replied = try await Self.waitFor("the reply in Alice's inbox", { try await Self.inbox(net, alice) }) { items in
                (items.first?["thread"] as? [[String: Any]])?.count == 2
            }
            let thread = try #require(replied.first?["thread"] as? [[String: Any]])
            #expect(thread.map { $0["kind"] as? String } == ["question", "reply"], "\(describe(thread))")
            #expect(thread.last?["note"] as? String == "The invoicing rewrite, spring 2020.", "\(describe(thread))")

            let accepted = try await net.vouchJSON(["accept", "\(handle)"], on: alice)
            #expect(accepted["state"] as? String == "accepted", "\(describe(accepted))")
            let connectionID = try #require(accepted["connection"] as? String, "\(describe(accepted))")
            expectFailure(try await net.vouch(["accept", "\(handle)", "--json"], on: alice), 73, code: "already-connected")

            let bobs = try await Self.waitFor("the connection on Bob's node", { try await Self.connections(net, bob) }) { $0.count == 1 }
            #expect(bobs[0]["id"] as? String == connectionID, "\(describe(bobs))")
            #expect(bobs[0]["peer"] as? String == alice.id && bobs[0]["relationship"] as? String == "client", "\(describe(bobs))")
            let alices = try await Self.connections(net, alice)
            #expect(alices.count == 1 && alices[0]["id"] as? String == connectionID, "\(describe(alices))")
            #expect(alices[0]["peer"] as? String == bob.id && alices[0]["relationship"] as? String == "supplier", "\(describe(alices))")
            let sent = try await Self.sent(net, bob)
            #expect(sent.first?["state"] as? String == "connected", "\(describe(sent))")

            // Each side sends the other its card for connections.
            _ = try await Self.waitFor("Alice's connections card on Bob's node", { try await net.cards(bob) }) { cards in
                cards.contains { $0["signer"] as? String == alice.id && $0["audience"] as? String == "connections" }
            }
            _ = try await Self.waitFor("Bob's connections card on Alice's node", { try await net.cards(alice) }) { cards in
                cards.contains { $0["signer"] as? String == bob.id && $0["audience"] as? String == "connections" }
            }
            #expect(try await Self.connections(net, bob).first?["name"] as? String == "Alice Analyst")
            #expect(try await Self.connections(net, alice).first?["name"] as? String == "Bob Builder")

            // A profile change reaches the connection through the outbox; card list keeps the newest version.
            let newVersion = try await net.setProfile(alice, name: "Alice A. Analyst")
            let updated = try await Self.waitFor("Alice's new card on Bob's node", { try await net.cards(bob) }) { cards in
                cards.contains { $0["signer"] as? String == alice.id && $0["audience"] as? String == "connections" && $0["version"] as? Int == newVersion }
            }
            #expect(updated.filter { $0["signer"] as? String == alice.id && $0["audience"] as? String == "connections" }.count == 1, "\(describe(updated))")
            #expect(try await Self.connections(net, bob).first?["name"] as? String == "Alice A. Analyst")

            // Both nodes hold the same bytes; anyone can check them offline.
            let prefix = String(connectionID.prefix(8))
            let exportBob = try await net.vouch(["connection", "export", prefix], on: bob)
            let exportAlice = try await net.vouch(["connection", "export", prefix], on: alice)
            #expect(exportBob.succeeded && exportAlice.succeeded, "\(exportBob)\n\(exportAlice)")
            #expect(exportBob.stdout == exportAlice.stdout && !exportBob.stdout.isEmpty)
            let file = net.root.appendingPathComponent("c.vouch")
            try exportBob.stdoutData.write(to: file)
            let verified = try await net.vouchJSON(["verify", file.path], on: bob)
            #expect(verified["type"] as? String == "vouch.acceptance", "\(describe(verified))")
            #expect(verified["signers"] as? [String] == [bob.id, alice.id], "\(describe(verified))")
            #expect((verified["document"] as? [String: Any])?["connection"] as? String == connectionID, "\(describe(verified))")
            let shown = try await net.vouch(["verify", file.path], on: alice)
            #expect(shown.succeeded && shown.stdout.contains(bob.id) && shown.stdout.contains(alice.id), "\(shown)")

            // Bob ends it: the signed removal reaches Alice's node and both drop the record.
            let removed = try await net.vouchJSON(["disconnect", prefix], on: bob)
            #expect(removed["peer"] as? String == alice.id, "\(describe(removed))")
            #expect(try await Self.connections(net, bob).isEmpty)
            _ = try await Self.waitFor("the connection to leave Alice's node", { try await Self.connections(net, alice) }) { $0.isEmpty }
            expectFailure(try await net.vouch(["disconnect", prefix, "--json"], on: bob), 66, code: "not-found")
        }
    }

    @Test("a declined invitation reads pending for the inviter and leaves the inbox; a withdrawn one leaves the inbox and cannot be accepted")
    func declineAndWithdraw() async throws {
        try await TestNet.run { net in
            let bob = try await net.makeNode("bob", limits: Self.fastLimits), alice = try await net.makeNode("alice", limits: Self.fastLimits)
            let carol = try await net.makeNode("carol", limits: Self.fastLimits)
            for (node, name) in [(bob, "Bob Builder"), (alice, "Alice Analyst"), (carol, "Carol Coder")] {
                try await Self.setProfile(net, node, name: name)
                _ = try await net.start(node)
            }
            let fromBob = try await net.vouchJSON(["invite", alice.address, "--note", Self.note, "--relationship", "colleague"], on: bob)
            let fromCarol = try await net.vouchJSON(["invite", alice.address, "--note", "We met at the Swift meetup in Lyon last spring.",
                                                     "--relationship", "met-at-event"], on: carol)
            let inbox = try await Self.waitFor("both invitations in Alice's inbox", { try await Self.inbox(net, alice) }) { $0.count == 2 }
            let bobsHandle = try #require(inbox.first { $0["inviter"] as? String == bob.id }?["handle"] as? Int, "\(describe(inbox))")
            let carolsHandle = try #require(inbox.first { $0["inviter"] as? String == carol.id }?["handle"] as? Int, "\(describe(inbox))")

            // Decline: nothing is sent; Bob's invitation reads pending; it leaves Alice's inbox.
            let declined = try await net.vouchJSON(["decline", "\(bobsHandle)"], on: alice)
            #expect(declined["state"] as? String == "declined", "\(describe(declined))")
            let left = try await Self.inbox(net, alice)
            #expect(left.count == 1 && left.first?["inviter"] as? String == carol.id, "\(describe(left))")
            #expect(try await Self.inbox(net, alice, all: true).first { $0["handle"] as? Int == bobsHandle }?["state"] as? String == "declined")
            expectFailure(try await net.vouch(["decline", "\(bobsHandle)", "--json"], on: alice), 73, code: "already-answered")
            let bobsSent = try await Self.sent(net, bob)
            #expect(bobsSent.first?["state"] as? String == "pending", "\(describe(bobsSent))")
            #expect(try await net.outbox(alice).isEmpty, "a decline sent something")

            // Withdraw: Carol's invitation leaves Alice's inbox; accepting it then is refused.
            let carolsSent = try #require(fromCarol["handle"] as? Int)
            let withdrawn = try await net.vouchJSON(["withdraw", "\(carolsSent)"], on: carol)
            #expect(withdrawn["state"] as? String == "withdrawn", "\(describe(withdrawn))")
            _ = try await Self.waitFor("Carol's invitation to leave Alice's inbox", { try await Self.inbox(net, alice) }) { $0.isEmpty }
            expectFailure(try await net.vouch(["accept", "\(carolsHandle)", "--json"], on: alice), 65, code: "invitation-withdrawn")
            expectFailure(try await net.vouch(["withdraw", "\(carolsSent)", "--json"], on: carol), 65, code: "invitation-withdrawn")
            expectFailure(try await net.vouch(["accept", "999", "--json"], on: alice), 66, code: "not-found")
            #expect(try await Self.connections(net, alice).isEmpty)
            _ = fromBob
        }
    }

    @Test("report-spam blocks the sender, who learns nothing; block, unblock, blocked; policy show and set; every change is an event")
    func spamBlocksPolicyAndEvents() async throws {
        try await TestNet.run { net in
            let bob = try await net.makeNode("bob", limits: Self.fastLimits), alice = try await net.makeNode("alice", limits: Self.fastLimits)
            try await Self.setProfile(net, bob, name: "Bob Builder")
            try await Self.setProfile(net, alice, name: "Alice Analyst")
            _ = try await net.start(bob)
            _ = try await net.start(alice)
            try net.checkBinary()
            let events = try net.spawn(VouchBinary.url, ["events", "--json", "--home", alice.home.path])
            func seen() throws -> [String] {
                try events.stdoutLines.compactMap { try JSON.object($0, what: "a line of vouch events --json")["type"] as? String }
            }

            let defaults = try await net.vouchJSON(["policy", "show"], on: alice)
            #expect(defaults["who_may_invite"] as? String == "open" && defaults["minimum_note_length"] as? Int == 20, "\(describe(defaults))")
            #expect(defaults["maximum_pending"] as? Int == 200 && defaults["decline_cooldown_days"] as? Int == 30, "\(describe(defaults))")
            // Nothing says when the subscription is in place: change the policy until its event shows.
            _ = try await eventually("policy.changed in vouch events", interval: .milliseconds(100)) { (text: inout String) async throws -> Bool? in
                if !events.isRunning { throw TestFailure("vouch events ended: \(events.result)") }
                text = try seen().joined(separator: ", ")
                if try seen().contains("policy.changed") { return true }
                _ = try await net.vouchJSON(["policy", "set", "--max-pending", "150"], on: alice)
                try await Task.sleep(for: .milliseconds(300))
                return nil
            }
            expectFailure(try await net.vouch(["policy", "set", "--who-may-invite", "friends", "--json"], on: alice), 65, code: "invalid-params")

            let invited = try await net.vouchJSON(["invite", alice.address, "--note", Self.note, "--relationship", "colleague"], on: bob)
            let inbox = try await Self.waitFor("the invitation in Alice's inbox", { try await Self.inbox(net, alice) }) { $0.count == 1 }
            let handle = try #require(inbox.first?["handle"] as? Int)
            let reported = try await net.vouchJSON(["report-spam", "\(handle)"], on: alice)
            #expect(reported["state"] as? String == "reported-spam", "\(describe(reported))")
            let blocked = try await Self.list(net, ["blocked"], on: alice, key: "blocked")
            #expect(blocked.count == 1 && blocked.first?["node"] as? String == bob.id, "\(describe(blocked))")
            #expect(try await Self.inbox(net, alice).isEmpty)
            #expect(try await net.outbox(alice).isEmpty, "reporting spam sent something")
            #expect(try await Self.sent(net, bob).first?["state"] as? String == "pending", "the sender learns nothing")

            // Bob withdraws and invites again: acked and dropped, exactly as a shown one.
            _ = try await net.vouchJSON(["withdraw", "\(try #require(invited["handle"] as? Int))"], on: bob)
            _ = try await net.vouchJSON(["invite", alice.address, "--note", Self.note, "--relationship", "colleague"], on: bob)
            _ = try await Self.waitFor("Bob's outbox to empty: delivered and acked", { try await net.outbox(bob) }) { $0.isEmpty }
            #expect(try await Self.inbox(net, alice).isEmpty)
            #expect(try await Self.sent(net, bob).first?["state"] as? String == "pending")

            let unblocked = try await net.vouchJSON(["unblock", bob.id], on: alice)
            #expect(unblocked["changed"] as? Bool == true && unblocked["blocked"] as? Bool == false, "\(describe(unblocked))")
            #expect(try await Self.list(net, ["blocked"], on: alice, key: "blocked").isEmpty)
            _ = try await net.vouchJSON(["block", bob.id], on: alice)
            let nobody = try await net.vouchJSON(["policy", "set", "--who-may-invite", "nobody", "--cooldown-days", "7"], on: alice)
            #expect(nobody["who_may_invite"] as? String == "nobody" && nobody["decline_cooldown_days"] as? Int == 7, "\(describe(nobody))")
            #expect(nobody["maximum_pending"] as? Int == 150, "options not given are kept: \(describe(nobody))")

            let types = try await eventually("the state changes in vouch events", interval: .milliseconds(100)) { (text: inout String) async throws -> [String]? in
                let types = try seen()
                text = types.joined(separator: ", ")
                let wanted = ["invitation.received", "invitation.reported-spam", "node.blocked", "node.unblocked"]
                return wanted.allSatisfy(types.contains) && types.filter({ $0 == "node.blocked" }).count == 2 ? types : nil
            }
            #expect(types.firstIndex(of: "invitation.received")! < types.firstIndex(of: "invitation.reported-spam")!, "\(types)")
        }
    }

    @Test("SIGKILL of the invitee between delivery and answer keeps the invitation; SIGKILL after accept keeps the acceptance queued for an inviter that is offline, and it connects when back")
    func crashBetweenDeliveryAndAnswer() async throws {
        try await TestNet.run { net in
            let bob = try await net.makeNode("bob", limits: Self.fastLimits), alice = try await net.makeNode("alice", limits: Self.fastLimits)
            try await Self.setProfile(net, bob, name: "Bob Builder")
            try await Self.setProfile(net, alice, name: "Alice Analyst")
            var bobDaemon = try await net.start(bob)
            var aliceDaemon = try await net.start(alice)
            _ = try await net.vouchJSON(["invite", alice.address, "--note", Self.note, "--relationship", "mentor"], on: bob)
            let inbox = try await Self.waitFor("the invitation in Alice's inbox", { try await Self.inbox(net, alice) }) { $0.count == 1 }
            let handle = try #require(inbox.first?["handle"] as? Int)
            aliceDaemon.crash()
            aliceDaemon = try await net.start(alice)
            let after = try await Self.inbox(net, alice)
            #expect(after.count == 1 && after.first?["handle"] as? Int == handle && after.first?["note"] as? String == Self.note, "\(describe(after))")

            // Bob goes offline; Alice accepts; her node is killed before it could deliver.
            #expect(try await bobDaemon.stop().succeeded)
            let accepted = try await net.vouchJSON(["accept", "\(handle)"], on: alice)
            let connection = try #require(accepted["connection"] as? String)
            aliceDaemon.crash()
            _ = try await net.start(alice)
            let queued = try await net.outbox(alice)
            #expect(queued.contains { $0["type"] as? String == "acceptance" && $0["peer"] as? String == bob.id }, "\(describe(queued))")
            #expect(try await Self.connections(net, alice).first?["id"] as? String == connection)

            bobDaemon = try await net.start(bob)
            let bobs = try await Self.waitFor("the connection on Bob's node", { try await Self.connections(net, bob) }) { $0.count == 1 }
            #expect(bobs.first?["id"] as? String == connection && bobs.first?["relationship"] as? String == "mentor", "\(describe(bobs))")
            #expect(try await Self.sent(net, bob).first?["state"] as? String == "connected")
            #expect(bobDaemon.isRunning)
        }
    }

    @Test("both invite each other before either invitation arrives: both nodes keep the same one, withdraw the other, and one connection results")
    func crossingInvitations() async throws {
        try await TestNet.run { net in
            let bob = try await net.makeNode("bob", limits: Self.fastLimits), alice = try await net.makeNode("alice", limits: Self.fastLimits)
            try await Self.setProfile(net, bob, name: "Bob Builder")
            try await Self.setProfile(net, alice, name: "Alice Analyst")
            _ = try await net.start(bob)
            _ = try await net.start(alice)
            // Bob's invitation cannot leave until a session with Alice exists (he has a dead port
            // for her), so both are pending when Alice's reaches him: they cross, in either order.
            let deadPort = try Ports.free()
            _ = try await net.vouchJSON(["invite", "\(alice.id)@127.0.0.1:\(deadPort)", "--note", Self.note, "--relationship", "colleague"], on: bob)
            _ = try await net.vouchJSON(["invite", bob.address, "--note", "We met when Acme hired you to fix billing.", "--relationship", "colleague"], on: alice)

            let settled = try await eventually("one invitation standing, the other withdrawn", timeout: .seconds(45), interval: .milliseconds(150)) {
                (seen: inout String) async throws -> (holder: Node, other: Node, handle: Int)? in
                let inboxes = [(bob, try await Self.inbox(net, bob)), (alice, try await Self.inbox(net, alice))]
                let sent = [(bob, try await Self.sent(net, bob)), (alice, try await Self.sent(net, alice))]
                seen = "inboxes \(inboxes.map { describe($0.1) }) sent \(sent.map { describe($0.1) })"
                let holders = inboxes.filter { !$0.1.isEmpty }
                guard holders.count == 1, let (holder, items) = holders.first, items.count == 1, items[0]["crossing"] as? Bool == true,
                      let handle = items[0]["handle"] as? Int,
                      sent.first(where: { $0.0 === holder })?.1.first?["state"] as? String == "withdrawn",
                      sent.first(where: { $0.0 !== holder })?.1.first?["state"] as? String == "pending" else { return nil }
                return (holder, holder === bob ? alice : bob, handle)
            }
            let accepted = try await net.vouchJSON(["accept", "\(settled.handle)"], on: settled.holder)
            let connection = try #require(accepted["connection"] as? String)
            let other = try await Self.waitFor("the connection on the other node", { try await Self.connections(net, settled.other) }) { $0.count == 1 }
            #expect(other.first?["id"] as? String == connection)
            #expect(try await Self.connections(net, settled.holder).count == 1)
            #expect(try await Self.sent(net, settled.other).first?["state"] as? String == "connected")
        }
    }
}
