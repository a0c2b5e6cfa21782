import Foundation
import Testing
import VouchTestKit

/// Who may learn of a connection, between four real `vouch run` processes driven only through the
/// CLI (Protocol/disclosure.md): each side's choice, the narrower one holding, and the three
/// queries answering only what both sides allow.
@Suite("daemon: disclosure")
struct DisclosureTests {
    typealias I = InvitationTests

    /// `inviter` invites `invitee` choosing `mine`; the invitee accepts choosing `theirs`.
    static func connect(_ net: TestNet, _ inviter: Node, _ invitee: Node, inviterChooses mine: String, inviteeChooses theirs: String) async throws {
        _ = try await net.vouchJSON(["invite", invitee.address, "--note", I.note, "--relationship", "colleague", "--visibility", mine], on: inviter)
        let inbox = try await I.waitFor("the invitation from \(inviter.name)", { try await I.inbox(net, invitee) }) { items in
            items.contains { $0["inviter"] as? String == inviter.id }
        }
        let handle = try #require(inbox.first { $0["inviter"] as? String == inviter.id }?["handle"] as? Int)
        _ = try await net.vouchJSON(["accept", "\(handle)", "--visibility", theirs], on: invitee)
        _ = try await I.waitFor("the connection on \(inviter.name)'s node", { try await I.connections(net, inviter) }) { items in
            items.contains { $0["peer"] as? String == invitee.id }
        }
    }

    /// Waits until `node` holds the other side's statement of every connection, and returns them.
    static func settled(_ net: TestNet, _ node: Node) async throws -> [[String: Any]] {
        try await I.waitFor("both statements of every connection of \(node.name)", { try await I.connections(net, node) }) { items in
            items.allSatisfy { $0["peer_visibility"] is String }
        }
    }

    static func disclosed(_ net: TestNet, _ asker: Node, of peer: Node) async throws -> Set<String> {
        Set(try await I.list(net, ["connections-of", peer.address], on: asker, key: "connections").compactMap { $0["node"] as? String })
    }

    static func mutual(_ net: TestNet, _ asker: Node, with peer: Node) async throws -> Set<String> {
        Set(try await I.list(net, ["mutual", peer.address], on: asker, key: "mutual").compactMap { $0["node"] as? String })
    }

    static func introducers(_ net: TestNet, _ asker: Node, to target: Node) async throws -> Set<String> {
        Set(try await I.list(net, ["who-can-introduce", target.id], on: asker, key: "introducers").compactMap { $0["node"] as? String })
    }

    @Test("four nodes: connections-of, mutual and who-can-introduce reveal exactly what both sides of each connection allow; a visibility change reaches the other side and narrows or widens the answers")
    func fourNodes() async throws {
        try await TestNet.run { net in
            var nodes: [Node] = []
            for name in ["ada", "bob", "carol", "dave"] {
                let node = try await net.makeNode(name, limits: I.fastLimits)
                try await I.setProfile(net, node, name: name.capitalized)
                _ = try await net.start(node)
                nodes.append(node)
            }
            let (ada, bob, carol, dave) = (nodes[0], nodes[1], nodes[2], nodes[3])
            // ada–bob: everyone. ada–carol: connections. ada–dave: ada says mutual, so mutual.
            // bob–carol: connections. carol–dave: carol says only-us, so only-us. bob and dave are strangers.
            try await Self.connect(net, ada, bob, inviterChooses: "everyone", inviteeChooses: "everyone")
            try await Self.connect(net, ada, carol, inviterChooses: "connections", inviteeChooses: "connections")
            try await Self.connect(net, ada, dave, inviterChooses: "mutual", inviteeChooses: "connections")
            try await Self.connect(net, bob, carol, inviterChooses: "connections", inviteeChooses: "connections")
            try await Self.connect(net, carol, dave, inviterChooses: "only-us", inviteeChooses: "everyone")
            for node in nodes { _ = try await Self.settled(net, node) }
            let adas = try await I.connections(net, ada)
            #expect(adas.first { $0["peer"] as? String == dave.id }?["audience"] as? String == "mutual", "\(describe(adas))")
            #expect(adas.first { $0["peer"] as? String == bob.id }?["audience"] as? String == "everyone", "\(describe(adas))")

            // connections-of: what the answering node can check. Dave (ada's connection) sees ada–bob
            // (everyone), ada–carol (connections: he is connected to ada) and his own; bob sees the
            // same minus ada–dave (mutual: ada cannot tell bob knows dave, and he does not).
            #expect(try await Self.disclosed(net, dave, of: ada) == [bob.id, carol.id, dave.id])
            #expect(try await Self.disclosed(net, bob, of: ada) == [bob.id, carol.id])
            // A stranger to dave learns nothing of his connections (mutual and only-us), and the
            // empty answer is all the refusal says.
            #expect(try await Self.disclosed(net, bob, of: dave).isEmpty)

            // mutual: carol knows both ada and dave, so she may learn that ada–dave exists; dave's
            // node cannot tell in connections-of, the intersection shows it.
            #expect(try await Self.disclosed(net, carol, of: dave) == [carol.id])
            #expect(try await Self.mutual(net, carol, with: dave) == [ada.id])
            #expect(try await Self.mutual(net, bob, with: ada) == [carol.id])
            // bob does not hold dave's token: he cannot probe for ada–dave.
            #expect(try await Self.mutual(net, dave, with: carol) == [ada.id])

            // who-can-introduce: bob would like to meet dave. ada–dave is mutual (bob is not dave's
            // connection) and carol–dave only-us: nobody may tell him.
            #expect(try await Self.introducers(net, bob, to: dave).isEmpty)
            // Ada widens her side to connections: the audience becomes connections; dave's node is told.
            let adaDave = try #require(adas.first { $0["peer"] as? String == dave.id }?["id"] as? String)
            let widened = try await net.vouchJSON(["connection", "visibility", String(adaDave.prefix(8)), "connections"], on: ada)
            #expect(widened["audience"] as? String == "connections" && widened["peer_visibility"] as? String == "connections", "\(describe(widened))")
            _ = try await I.waitFor("ada's new statement on dave's node", { try await I.connections(net, dave) }) { items in
                items.first { $0["peer"] as? String == ada.id }?["peer_visibility"] as? String == "connections"
            }
            #expect(try await Self.introducers(net, bob, to: dave) == [ada.id])
            #expect(try await Self.disclosed(net, bob, of: ada) == [bob.id, carol.id, dave.id])
            // Dave narrows his side to only-us: once ada's node holds his statement, nobody learns of it.
            let daveAda = try #require(try await I.connections(net, dave).first { $0["peer"] as? String == ada.id }?["id"] as? String)
            _ = try await net.vouchJSON(["connection", "visibility", String(daveAda.prefix(8)), "only-us"], on: dave)
            _ = try await I.waitFor("dave's statement on ada's node", { try await I.connections(net, ada) }) { items in
                items.first { $0["peer"] as? String == dave.id }?["audience"] as? String == "only-us"
            }
            #expect(try await Self.introducers(net, bob, to: dave).isEmpty)
            #expect(try await Self.disclosed(net, bob, of: ada) == [bob.id, carol.id])
            #expect(try await Self.mutual(net, carol, with: dave).isEmpty)

            // Bad input: an unknown level is refused before anything is sent.
            expectFailure(try await net.vouch(["connection", "visibility", String(daveAda.prefix(8)), "friends", "--json"], on: dave),
                          65, code: "invalid-value")
        }
    }
}
