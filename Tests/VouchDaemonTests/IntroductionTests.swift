import Foundation
import Testing
import VouchTestKit

/// The introduction flow between three real `vouch run` processes, driven only through the CLI
/// (Protocol/introductions.md): Carol asks Bob, her connection, to introduce her to Alice, his.
@Suite("daemon: introductions")
struct IntroductionTests {
    typealias I = InvitationTests
    static let toBob = "Could you introduce me to Alice? I would like her advice on the billing migration."
    static let toAlice = "Bob tells me you led the billing migration at Initech; I am about to start one."
    static let bobsNote = "Carol and I worked together for three years; she is careful and kind. You two should talk."

    /// Three running nodes with profiles: Carol–Bob and Bob–Alice connected, Carol and Alice not.
    static func threeColleagues(_ net: TestNet) async throws -> (carol: Node, bob: Node, alice: Node) {
        let (nodes, _) = try await threeRunning(net)
        return nodes
    }

    /// The same, with the daemons, for tests that stop and crash them.
    static func threeRunning(_ net: TestNet) async throws -> (nodes: (carol: Node, bob: Node, alice: Node), daemons: [String: Daemon]) {
        let carol = try await net.makeNode("carol", limits: I.fastLimits), bob = try await net.makeNode("bob", limits: I.fastLimits)
        let alice = try await net.makeNode("alice", limits: I.fastLimits)
        var daemons: [String: Daemon] = [:]
        for (node, name) in [(carol, "Carol Coder"), (bob, "Bob Builder"), (alice, "Alice Analyst")] {
            try await I.setProfile(net, node, name: name)
            daemons[node.name] = try await net.start(node)
        }
        try await connect(net, bob, carol)
        try await connect(net, bob, alice)
        return ((carol, bob, alice), daemons)
    }

    /// `inviter` invites `invitee`, who accepts; returns when both hold the record.
    static func connect(_ net: TestNet, _ inviter: Node, _ invitee: Node) async throws {
        _ = try await net.vouchJSON(["invite", invitee.address, "--note", I.note, "--relationship", "colleague"], on: inviter)
        let inbox = try await I.waitFor("the invitation from \(inviter.id.prefix(8))", { try await I.inbox(net, invitee) }) { items in
            items.contains { $0["inviter"] as? String == inviter.id }
        }
        let handle = try #require(inbox.first { $0["inviter"] as? String == inviter.id }?["handle"] as? Int)
        _ = try await net.vouchJSON(["accept", "\(handle)"], on: invitee)
        _ = try await I.waitFor("the connection on the inviter's node", { try await I.connections(net, inviter) }) { items in
            items.contains { $0["peer"] as? String == invitee.id }
        }
    }

    static func requests(_ net: TestNet, _ node: Node, all: Bool = false) async throws -> [[String: Any]] {
        try await I.list(net, ["inbox"] + (all ? ["--all"] : []), on: node, key: "introductions")
    }

    static func request(_ net: TestNet, from carol: Node, via bob: Node, to target: Node) async throws -> Int {
        let sent = try await net.vouchJSON(["introduce", "request", "--via", String(bob.id.prefix(8)), "--to", target.id,
                                            "--note-to-introducer", toBob, "--note-to-target", toAlice, "--relationship", "colleague",
                                            "--context", "billing migrations"], on: carol)
        #expect(sent["introducer"] as? String == bob.id && sent["target"] as? String == target.id, "\(describe(sent))")
        return try #require(sent["handle"] as? Int, "\(describe(sent))")
    }

    /// `vouch events --follow --json` on `node`, subscribed before it returns (the policy is
    /// changed until its event shows, since nothing else says the subscription is in place).
    static func follow(_ net: TestNet, _ node: Node) async throws -> () throws -> [String] {
        try net.checkBinary()
        let events = try net.spawn(VouchBinary.url, ["events", "--follow", "--json", "--home", node.home.path])
        let seen = { try events.stdoutLines.compactMap { try JSON.object($0, what: "a line of vouch events --json")["type"] as? String } }
        _ = try await eventually("policy.changed in vouch events", interval: .milliseconds(100)) { (text: inout String) async throws -> Bool? in
            if !events.isRunning { throw TestFailure("vouch events ended: \(events.result)") }
            if try seen().contains("policy.changed") { return true }
            _ = try await net.vouchJSON(["policy", "set", "--max-pending", "150"], on: node)
            try await Task.sleep(for: .milliseconds(300))
            return nil
        }
        return seen
    }

    @Test("request → the introducer forwards with a signed note → question and reply relayed through the introducer → the target accepts and tells the introducer → one record naming the introducer, verified offline")
    func requestForwardAccept() async throws {
        try await TestNet.run { net in
            let (carol, bob, alice) = try await Self.threeColleagues(net)
            let carolsEvents = try await Self.follow(net, carol), bobsEvents = try await Self.follow(net, bob)
            let alicesEvents = try await Self.follow(net, alice)

            // The CLI and the node refuse what makes no introduction.
            expectFailure(try await net.vouch(["introduce", "request", "--via", String(bob.id.prefix(8)), "--to", alice.id,
                                               "--note-to-target", Self.toAlice, "--relationship", "colleague", "--json"], on: carol),
                          64, code: "usage")
            expectFailure(try await net.vouch(["introduce", "request", "--via", String(alice.id.prefix(8)), "--to", bob.id,
                                               "--note-to-introducer", Self.toBob, "--note-to-target", Self.toAlice,
                                               "--relationship", "colleague", "--json"], on: carol), 66, code: "not-found")
            expectFailure(try await net.vouch(["introduce", "request", "--via", String(bob.id.prefix(8)), "--to", bob.id,
                                               "--note-to-introducer", Self.toBob, "--note-to-target", Self.toAlice,
                                               "--relationship", "colleague", "--json"], on: carol), 65, code: "invalid-params")

            let sentHandle = try await Self.request(net, from: carol, via: bob, to: alice)
            var sent = try await I.sent(net, carol)
            #expect(sent.first?["kind"] as? String == "introduction" && sent.first?["state"] as? String == "requested", "\(describe(sent))")

            // Bob sees the request with both notes and Carol's verified card.
            let requests = try await I.waitFor("the request in Bob's inbox", { try await Self.requests(net, bob) }) { $0.count == 1 }
            let request = requests[0]
            #expect(request["requester"] as? String == carol.id && request["target"] as? String == alice.id, "\(describe(request))")
            #expect(request["note_to_introducer"] as? String == Self.toBob && request["note_to_target"] as? String == Self.toAlice)
            #expect(request["connected_to_target"] as? Bool == true && request["state"] as? String == "pending", "\(describe(request))")
            #expect((request["card"] as? [String: Any])?["name"] as? String == "Carol Coder", "\(describe(request))")
            // Nothing reached Alice: nothing moves without Bob's act.
            #expect(try await I.inbox(net, alice).filter { $0["kind"] as? String == "introduction" }.isEmpty)

            let handle = try #require(request["handle"] as? Int)
            expectFailure(try await net.vouch(["introduce", "forward", "\(handle)", "--json"], on: bob), 64, code: "usage")
            let forwarded = try await net.vouchJSON(["introduce", "forward", "\(handle)", "--note", Self.bobsNote], on: bob)
            #expect(forwarded["state"] as? String == "forwarded", "\(describe(forwarded))")
            expectFailure(try await net.vouch(["introduce", "decline", "\(handle)", "--json"], on: bob), 73, code: "already-forwarded")
            sent = try await I.waitFor("forwarded on Carol's side", { try await I.sent(net, carol) }) { $0.first?["state"] as? String == "forwarded" }

            // Alice sees Carol's card and note, and Bob's signed note.
            let offers = try await I.waitFor("the introduction in Alice's inbox", { try await I.inbox(net, alice) }) { items in
                items.contains { $0["kind"] as? String == "introduction" }
            }
            let offer = try #require(offers.first { $0["kind"] as? String == "introduction" })
            #expect(offer["inviter"] as? String == carol.id && offer["introducer"] as? String == bob.id, "\(describe(offer))")
            #expect(offer["note"] as? String == Self.toAlice && offer["introducer_note"] as? String == Self.bobsNote, "\(describe(offer))")
            #expect((offer["card"] as? [String: Any])?["name"] as? String == "Carol Coder", "\(describe(offer))")
            let offerHandle = try #require(offer["handle"] as? Int)

            // A question travels Alice → Bob → Carol, the reply Carol → Bob → Alice.
            _ = try await net.vouchJSON(["ask-context", "\(offerHandle)", "--note", "Which part of the migration worries you?"], on: alice)
            _ = try await I.waitFor("the question on Carol's request", { try await I.sent(net, carol) }) { items in
                (items.first?["thread"] as? [[String: Any]])?.first?["note"] as? String == "Which part of the migration worries you?"
            }
            _ = try await net.vouchJSON(["reply", "\(sentHandle)", "--note", "Moving invoices without double charging anyone."], on: carol)
            _ = try await I.waitFor("the reply in Alice's inbox", { try await I.inbox(net, alice) }) { items in
                (items.first { $0["handle"] as? Int == offerHandle }?["thread"] as? [[String: Any]])?.count == 2
            }
            // Carol never learned how to reach Alice: no card of hers on Carol's node yet.
            #expect(try await net.cards(carol).allSatisfy { $0["signer"] as? String != alice.id })

            let accepted = try await net.vouchJSON(["accept", "\(offerHandle)", "--tell-introducer"], on: alice)
            let connectionID = try #require(accepted["connection"] as? String, "\(describe(accepted))")
            let carols = try await I.waitFor("the connection on Carol's node", { try await I.connections(net, carol) }) { items in
                items.contains { $0["peer"] as? String == alice.id }
            }
            let record = try #require(carols.first { $0["peer"] as? String == alice.id })
            #expect(record["id"] as? String == connectionID && record["introduced_by"] as? String == bob.id, "\(describe(record))")
            let alices = try await I.connections(net, alice)
            #expect(alices.first { $0["peer"] as? String == carol.id }?["introduced_by"] as? String == bob.id, "\(describe(alices))")
            _ = try await I.waitFor("Alice's connections card on Carol's node", { try await net.cards(carol) }) { cards in
                cards.contains { $0["signer"] as? String == alice.id && $0["audience"] as? String == "connections" }
            }
            // Carol's node learned Alice's address from that card: its own card for connections follows.
            _ = try await I.waitFor("Carol's connections card on Alice's node", { try await net.cards(alice) }) { cards in
                cards.contains { $0["signer"] as? String == carol.id && $0["audience"] as? String == "connections" }
            }
            _ = try await I.waitFor("the outcome on Bob's node", { try await Self.requests(net, bob, all: true) }) { items in
                items.first?["accepted"] as? Bool == true
            }

            // Each step is an event on each node.
            for (name, seen, wanted) in [
                ("Carol", carolsEvents, ["introduction.requested", "introduction.forwarded", "invitation.question-received", "invitation.replied",
                                         "connection.made"]),
                ("Bob", bobsEvents, ["introduction.received", "introduction.forwarded", "introduction.relayed", "introduction.accepted"]),
                ("Alice", alicesEvents, ["invitation.received", "invitation.question-asked", "invitation.reply-received", "invitation.accepted",
                                         "connection.made"]),
            ] {
                _ = try await eventually("the introduction's events on \(name)'s node", interval: .milliseconds(100)) { (text: inout String) async throws -> Bool? in
                    let types = try seen()
                    text = types.joined(separator: ", ")
                    return wanted.allSatisfy(types.contains) ? true : nil
                }
            }

            // The record names all three and checks offline, Bob's note included.
            let exported = try await net.vouch(["connection", "export", String(connectionID.prefix(8))], on: carol)
            #expect(exported.succeeded, "\(exported)")
            let file = net.root.appendingPathComponent("introduced.vouch")
            try exported.stdoutData.write(to: file)
            let verified = try await net.vouchJSON(["verify", file.path], on: bob)
            #expect(verified["signers"] as? [String] == [carol.id, alice.id, bob.id], "\(describe(verified))")
            let document = try #require(verified["document"] as? [String: Any])
            #expect(document["introduced_by"] as? String == bob.id && document["introducer_note"] as? String == Self.bobsNote)
        }
    }

    @Test("a request for someone the introducer does not know can only be declined, and reads like any decline; a decline with a note; withdraw after forward leaves the target's inbox; a blocked requester's offer is dropped unseen")
    func declineWithdrawBlock() async throws {
        try await TestNet.run { net in
            let (carol, bob, alice) = try await Self.threeColleagues(net)
            let dave = try await net.makeNode("dave", limits: I.fastLimits)
            try await I.setProfile(net, dave, name: "Dave Designer")
            _ = try await net.start(dave)

            // Bob does not know Dave: he can only decline, and Carol sees a plain not-forwarded.
            _ = try await Self.request(net, from: carol, via: bob, to: dave)
            let forDave = try await I.waitFor("the request for Dave", { try await Self.requests(net, bob) }) { $0.count == 1 }
            #expect(forDave[0]["connected_to_target"] as? Bool == false, "\(describe(forDave))")
            let daveHandle = try #require(forDave[0]["handle"] as? Int)
            expectFailure(try await net.vouch(["introduce", "forward", "\(daveHandle)", "--note", Self.bobsNote, "--json"], on: bob),
                          65, code: "not-connected-to-target")
            _ = try await net.vouchJSON(["introduce", "decline", "\(daveHandle)"], on: bob)
            let notForwarded = try await I.waitFor("not-forwarded on Carol's side", { try await I.sent(net, carol) }) { items in
                items.first?["state"] as? String == "not-forwarded"
            }
            #expect(notForwarded.first?["introducer_note"] == nil, "\(describe(notForwarded))")
            #expect(try await I.inbox(net, dave, all: true).isEmpty)

            // Bob declines a request for Alice with a private note: Carol reads it, Alice learns nothing.
            _ = try await Self.request(net, from: carol, via: bob, to: alice)
            let forAlice = try await I.waitFor("the request for Alice", { try await Self.requests(net, bob) }) { $0.count == 1 }
            _ = try await net.vouchJSON(["introduce", "decline", "\(try #require(forAlice[0]["handle"] as? Int))",
                                         "--note", "She is swamped until March; ask me again then."], on: bob)
            let declined = try await I.waitFor("the note on Carol's side", { try await I.sent(net, carol) }) { items in
                items.first?["introducer_note"] as? String == "She is swamped until March; ask me again then."
            }
            #expect(declined.first?["state"] as? String == "not-forwarded", "\(describe(declined))")
            #expect(try await I.inbox(net, alice, all: true).allSatisfy { $0["kind"] as? String != "introduction" })

            // Forwarded, then withdrawn: the withdrawal is relayed by Bob and the offer leaves Alice's inbox.
            let third = try await Self.request(net, from: carol, via: bob, to: alice)
            let pending = try await I.waitFor("the third request", { try await Self.requests(net, bob) }) { $0.count == 1 }
            _ = try await net.vouchJSON(["introduce", "forward", "\(try #require(pending[0]["handle"] as? Int))", "--note", Self.bobsNote], on: bob)
            let offers = try await I.waitFor("the offer in Alice's inbox", { try await I.inbox(net, alice) }) { $0.count == 1 }
            let offerHandle = try #require(offers[0]["handle"] as? Int)
            _ = try await net.vouchJSON(["withdraw", "\(third)"], on: carol)
            _ = try await I.waitFor("the offer to leave Alice's inbox", { try await I.inbox(net, alice) }) { $0.isEmpty }
            expectFailure(try await net.vouch(["accept", "\(offerHandle)", "--json"], on: alice), 65, code: "invitation-withdrawn")

            // Alice blocks Carol: a forwarded offer is acked and dropped; Carol still reads `forwarded`.
            _ = try await net.vouchJSON(["block", carol.id], on: alice)
            _ = try await Self.request(net, from: carol, via: bob, to: alice)
            let fourth = try await I.waitFor("the fourth request", { try await Self.requests(net, bob) }) { $0.count == 1 }
            _ = try await net.vouchJSON(["introduce", "forward", "\(try #require(fourth[0]["handle"] as? Int))", "--note", Self.bobsNote], on: bob)
            _ = try await I.waitFor("Bob's outbox to empty: delivered and acked", { try await net.outbox(bob) }) { $0.isEmpty }
            #expect(try await I.inbox(net, alice).isEmpty)
            let sent = try await I.waitFor("forwarded on Carol's side", { try await I.sent(net, carol) }) { $0.first?["state"] as? String == "forwarded" }
            #expect(sent.first?["introducer_note"] == nil, "\(describe(sent))")
        }
    }

    @Test("each of the three offline at its step, and the introducer killed (SIGKILL) right after forwarding: every message waits in an outbox and the flow completes once all are back")
    func offlineAndKilled() async throws {
        try await TestNet.run { net in
            let ((carol, bob, alice), daemons) = try await Self.threeRunning(net)

            // Bob is down when Carol asks: the request waits in her outbox.
            try await daemons["bob"]!.stop()
            let sentHandle = try await Self.request(net, from: carol, via: bob, to: alice)
            #expect(try await net.outbox(carol).first?["type"] as? String == "introduction-request")
            var bobDaemon = try await net.start(bob)
            let requests = try await I.waitFor("the request in Bob's inbox", { try await Self.requests(net, bob) }) { $0.count == 1 }

            // Alice is down when Bob forwards; Bob's node is killed before it could deliver, and restarted.
            try await daemons["alice"]!.stop()
            _ = try await net.vouchJSON(["introduce", "forward", "\(try #require(requests[0]["handle"] as? Int))", "--note", Self.bobsNote], on: bob)
            bobDaemon.crash()
            bobDaemon = try await net.start(bob)
            #expect(try await net.outbox(bob).contains { $0["type"] as? String == "introduction-offer" }, "the forward survived the kill")
            _ = try await I.waitFor("forwarded on Carol's side", { try await I.sent(net, carol) }) { $0.first?["state"] as? String == "forwarded" }

            // Carol is down when Alice accepts: the acceptance waits in Alice's outbox.
            try await daemons["carol"]!.stop()
            _ = try await net.start(alice)
            let offers = try await I.waitFor("the offer in Alice's inbox", { try await I.inbox(net, alice) }) { $0.count == 1 }
            let accepted = try await net.vouchJSON(["accept", "\(try #require(offers[0]["handle"] as? Int))"], on: alice)
            let connectionID = try #require(accepted["connection"] as? String)
            _ = try await net.start(carol)
            let carols = try await I.waitFor("the connection on Carol's node", { try await I.connections(net, carol) }) { items in
                items.contains { $0["peer"] as? String == alice.id }
            }
            #expect(carols.first { $0["peer"] as? String == alice.id }?["id"] as? String == connectionID)
            let sent = try await I.sent(net, carol)
            #expect(sent.first { $0["handle"] as? Int == sentHandle }?["state"] as? String == "connected", "\(describe(sent))")
            // Without --tell-introducer, Bob learns nothing of the answer.
            #expect(try await Self.requests(net, bob, all: true).first?["accepted"] as? Bool == false)
        }
    }
}
