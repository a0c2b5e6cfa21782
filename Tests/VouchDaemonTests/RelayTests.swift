import Foundation
import Testing
import VouchTestKit

/// A node with no listener at all (`vouch init --listen none`), reached through a real
/// strelaysrv on loopback by real `vouch run` processes (Protocol/relay.md,
/// Docs/running-behind-nat.md): ping and card delivery through the outbox, and a relay restart
/// in the middle, after which the node rejoins and the outbox delivers.
@Suite("daemon: relays", .serialized)
struct RelayTests {
    static let fastLimits = ["request_timeout_seconds": 2, "handshake_timeout_seconds": 2]

    static func relayState(_ net: TestNet, _ node: Node) async throws -> [String: Any]? {
        (try await net.status(node)["relays"] as? [[String: Any]])?.first
    }

    @Test("ping and a card through the relay to a node without a listener; the relay restarted mid-way, the outbox delivers after")
    func throughRelay() async throws {
        let keys = try TemporaryDirectory(prefix: "vouch-strelaysrv-keys")
        let port = try freeLoopbackPort()
        var relay = try await Strelaysrv.start(port: port, keys: keys)
        defer { relay.stop() }
        try await TestNet.run { net in
            let hidden = try await net.makeNode("hidden", limits: Self.fastLimits, listening: false)
            let sender = try await net.makeNode("sender", limits: Self.fastLimits)

            // vouch relay add/list on the hidden node, before it runs.
            let added = try await net.vouchJSON(["relay", "add", relay.uri], on: hidden)
            let relays = try #require(added["relays"] as? [String], "\(describe(added))")
            #expect(relays.count == 1 && relays[0].hasPrefix("relay://127.0.0.1:\(port)/?id="), "\(describe(added))")
            #expect(try await net.vouchJSON(["relay", "add", relay.uri], on: hidden)["relays"] as? [String] == relays, "adding twice keeps one")
            let listed = try await net.vouch(["relay", "list"], on: hidden)
            #expect(listed.succeeded && listed.stdout.contains("node not running"), "\(listed)")
            let offline = try await net.vouch(["address"], on: hidden)
            #expect(!offline.succeeded && offline.stderr.contains("vouch run"), "without the running node there is no relay address: \(offline)")

            _ = try await net.start(hidden)
            _ = try await net.start(sender)
            _ = try await eventually("the hidden node to join the relay", interval: .milliseconds(200)) { seen in
                let state = try await Self.relayState(net, hidden)
                seen = describe(state ?? [:])
                return state?["joined"] as? Bool == true ? true : nil
            }
            let status = try await net.vouch(["status"], on: hidden)
            #expect(status.stdout.contains("Listening none") && status.stdout.contains("joined"), "\(status)")
            let address = try await net.address(hidden)
            #expect(address.hasPrefix("\(hidden.id)@relay://127.0.0.1:\(port)/?id="), "\(address)")
            #expect(address.contains("&device="), "\(address)")

            // Ping through the relay: the session is vouch/1 with the hidden node's key.
            let ping = try await net.vouchJSON(["ping", address], on: sender)
            #expect(ping["peer"] as? String == hidden.id, "\(describe(ping))")
            #expect(ping["endpoint"] as? String == String(address.drop { $0 != "@" }.dropFirst()), "ping names the relay endpoint it used: \(describe(ping))")
            #expect(ping["alpn"] as? String == "vouch/1", "\(describe(ping))")
            let pingText = try await net.vouch(["ping", address], on: sender)
            #expect(pingText.succeeded && pingText.stdout.contains("relay://"), "\(pingText)")

            // A card through the outbox and the relay.
            _ = try await net.setProfile(sender, name: "Ada Lovelace", headline: "Analyst")
            _ = try await net.vouchJSON(["card", "send", address], on: sender)
            try await Self.waitDelivered(net, from: sender, to: hidden, headline: "Analyst")

            // The relay goes away: the hidden node notices; a card queued meanwhile waits.
            relay.stop()
            _ = try await eventually("the hidden node to notice the relay is gone", interval: .milliseconds(200)) { seen in
                let state = try await Self.relayState(net, hidden)
                seen = describe(state ?? [:])
                return state?["joined"] as? Bool == false ? true : nil
            }
            _ = try await net.setProfile(sender, name: "Ada Lovelace", headline: "Engine designer")
            _ = try await net.vouchJSON(["card", "send", address], on: sender)
            _ = try await eventually("a failed attempt while the relay is down", interval: .milliseconds(200)) { seen in
                let outbox = try await net.outbox(sender)
                seen = describe(outbox)
                return outbox.first.flatMap { ($0["attempts"] as? Int ?? 0) >= 1 ? true : nil }
            }

            // The relay comes back where it was, with its keys: the node rejoins, the outbox delivers.
            relay = try await Strelaysrv.start(port: port, keys: keys)
            _ = try await eventually("the hidden node to rejoin", timeout: .seconds(60), interval: .milliseconds(200)) { seen in
                let state = try await Self.relayState(net, hidden)
                seen = describe(state ?? [:])
                return state?["joined"] as? Bool == true ? true : nil
            }
            try await Self.waitDelivered(net, from: sender, to: hidden, headline: "Engine designer")
        }
    }

    @Test("an invitation through the relay to a node without a listener, its acceptance, and the cards for connections both ways")
    func invitationThroughRelay() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await TestNet.run { net in
            let hidden = try await net.makeNode("hidden", limits: Self.fastLimits, listening: false)
            let inviter = try await net.makeNode("inviter", limits: Self.fastLimits)
            _ = try await net.vouchJSON(["relay", "add", relay.uri], on: hidden)
            _ = try await net.start(hidden)
            _ = try await net.start(inviter)
            _ = try await eventually("the hidden node to join the relay", interval: .milliseconds(200)) { seen in
                let state = try await Self.relayState(net, hidden)
                seen = describe(state ?? [:])
                return state?["joined"] as? Bool == true ? true : nil
            }
            let address = try await net.address(hidden)
            let relayEndpoint = String(address.drop { $0 != "@" }.dropFirst())
            // The relay endpoint goes into the hidden node's profile, as a direct one would, after
            // a direct endpoint where nothing listens: peers try that one first, then the relay.
            let nowhere = "127.0.0.1:\(try freeLoopbackPort())"
            _ = try await net.vouchJSON(["profile", "set", "--name", "Hidden Hopper", "--endpoint", nowhere, "--endpoint", relayEndpoint], on: hidden)
            _ = try await net.vouchJSON(["profile", "set", "--name", "Ida Inviter", "--endpoint", "127.0.0.1:\(inviter.port)"], on: inviter)

            let note = "We ran the relay tests together; let's keep in touch."
            _ = try await net.vouchJSON(["invite", address, "--note", note, "--relationship", "colleague"], on: inviter)
            let inbox = try await eventually("the invitation in the hidden node's inbox", timeout: .seconds(45), interval: .milliseconds(150)) { seen in
                let items = try await net.vouchJSON(["inbox"], on: hidden)["invitations"] as? [[String: Any]] ?? []
                seen = describe(items)
                return items.count == 1 ? items : nil
            }
            #expect(inbox[0]["inviter"] as? String == inviter.id && inbox[0]["note"] as? String == note, "\(describe(inbox))")
            let handle = try #require(inbox[0]["handle"] as? Int, "\(describe(inbox))")
            let accepted = try await net.vouchJSON(["accept", "\(handle)"], on: hidden)
            let connection = try #require(accepted["connection"] as? String, "\(describe(accepted))")

            let inviters = try await eventually("the connection on the inviter's node", timeout: .seconds(45), interval: .milliseconds(150)) { seen in
                let items = try await net.vouchJSON(["connections"], on: inviter)["connections"] as? [[String: Any]] ?? []
                seen = describe(items)
                return items.count == 1 ? items : nil
            }
            #expect(inviters[0]["id"] as? String == connection && inviters[0]["peer"] as? String == hidden.id, "\(describe(inviters))")
            // Each sends the other its card for connections: the inviter's goes through the relay.
            _ = try await eventually("the inviter's connections card on the hidden node", timeout: .seconds(45), interval: .milliseconds(150)) { seen in
                let cards = try await net.cards(hidden)
                seen = describe(cards)
                return cards.contains { $0["signer"] as? String == inviter.id && $0["audience"] as? String == "connections" } ? true : nil
            }
            _ = try await eventually("the hidden node's connections card on the inviter's node", timeout: .seconds(45), interval: .milliseconds(150)) { seen in
                let cards = try await net.cards(inviter)
                seen = describe(cards)
                return cards.contains { $0["signer"] as? String == hidden.id && $0["audience"] as? String == "connections" } ? true : nil
            }
            // A ping by connection: the inviter knows both endpoints of the hidden node's card and
            // reaches it (over its session, or through the relay after the silent direct endpoint).
            let ping = try await net.vouchJSON(["ping", String(hidden.id.prefix(12))], on: inviter)
            #expect(ping["peer"] as? String == hidden.id, "\(describe(ping))")
            #expect(ping["requested_endpoint"] as? String == nowhere, "direct first: \(describe(ping))")
            if ping["reused_session"] as? Bool == false {
                #expect(ping["endpoint"] as? String == relayEndpoint, "\(describe(ping))")
            }
        }
    }

    @Test("vouch relay add and remove on a running node: it joins and leaves at once, no restart; status and address follow")
    func relayChangesOnRunningNode() async throws {
        let relay = try await Strelaysrv.start()
        defer { relay.stop() }
        try await TestNet.run { net in
            let hidden = try await net.makeNode("hidden", limits: Self.fastLimits, listening: false)
            let dialer = try await net.makeNode("dialer", limits: Self.fastLimits)
            _ = try await net.start(hidden)
            _ = try await net.start(dialer)
            let before = try await net.vouch(["address"], on: hidden)
            #expect(!before.succeeded && before.stderr.contains("no relay"), "\(before)")

            let added = try await net.vouchJSON(["relay", "add", relay.uri], on: hidden)
            #expect(added["restart_needed"] as? Bool == false, "\(describe(added))")
            #expect((added["state"] as? [[String: Any]])?.count == 1, "the running node took it: \(describe(added))")
            _ = try await eventually("the running node to join the added relay", interval: .milliseconds(200)) { seen in
                let state = try await Self.relayState(net, hidden)
                seen = describe(state ?? [:])
                return state?["joined"] as? Bool == true ? true : nil
            }
            let listed = try await net.vouch(["relay", "list"], on: hidden)
            #expect(listed.succeeded && listed.stdout.contains("joined") && !listed.stdout.contains("restart"), "\(listed)")
            let address = try await net.address(hidden)
            #expect(address.hasPrefix("\(hidden.id)@relay://"), "\(address)")
            let ping = try await net.vouchJSON(["ping", address], on: dialer)
            #expect(ping["peer"] as? String == hidden.id, "\(describe(ping))")

            let removed = try await net.vouchJSON(["relay", "remove", relay.uri], on: hidden)
            #expect(removed["restart_needed"] as? Bool == false && (removed["state"] as? [Any])?.isEmpty == true, "\(describe(removed))")
            #expect((try await net.status(hidden)["relays"] as? [Any])?.isEmpty ?? true, "status shows no relay")
            let after = try await net.vouch(["address"], on: hidden)
            #expect(!after.succeeded, "no listener and no relay left: \(after)")
        }
    }

    static func waitDelivered(_ net: TestNet, from sender: Node, to receiver: Node, headline: String) async throws {
        _ = try await eventually("the sender's outbox to empty", timeout: .seconds(60), interval: .milliseconds(200)) { seen in
            let outbox = try await net.outbox(sender)
            seen = describe(outbox)
            return outbox.isEmpty ? true : nil
        }
        let cards = try await net.cards(receiver)
        let card = try #require(cards.first { $0["signer"] as? String == sender.id }, "\(describe(cards))")
        #expect(describe(card).contains(headline), "\(describe(card))")
    }
}
